-- PRINTF's conversions and flags over INT, BIGINT, DOUBLE, BOOLEAN, STRING and NULL; REGEXP_* edge cases
CREATE TABLE fn_json (id INT, j STRING, p STRING, k STRING, v INT, d DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_json.json', 'format' = 'json');
CREATE TABLE out_t (id INT, f1 STRING, f2 STRING, f3 STRING, f4 STRING, f5 STRING, f6 STRING, f7 STRING, f8 STRING,
  f9 STRING, f10 STRING, r1 STRING, r2 INT, r3 STRING, r4 ARRAY<STRING>, r5 INT, r6 BOOLEAN, r7 STRING, r8 INT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT id,
  PRINTF('[%10.3f|%-10.2f|%+.1f]', d, d, d),
  PRINTF('[%e|%.2E|%g]', d, d, d),
  PRINTF('[%8s|%-8s|%.2s]', k, k, k),
  PRINTF('[%x|%o|%X|%08d]', v, v, CAST(v AS BIGINT) * 100000000000, v),
  PRINTF('[%b|%b|%B]', v > 3, k, CAST(NULL AS STRING)),
  PRINTF('[%,d|%(d|% d]', v * 1000, v, v),
  PRINTF('[%,.2f|%.0f|%.3f]', d * 1000, d, d),
  PRINTF('[%S|%c]', k, 65 + id),
  PRINTF('%s and %s', v, d),
  PRINTF('%d%%', id),
  REGEXP_REPLACE(COALESCE(k, 'null'), '([aeiou])', '<$1>'),
  REGEXP_COUNT(COALESCE(k, ''), 'a|e'),
  REGEXP_SUBSTR(COALESCE(j, ''), '"[a-z]+"'),
  REGEXP_EXTRACT_ALL(COALESCE(j, ''), '"([a-z]+)"'),
  REGEXP_INSTR(COALESCE(j, ''), '[0-9]+'),
  REGEXP(COALESCE(k, ''), '('), REGEXP_EXTRACT(COALESCE(k, ''), '['), REGEXP_COUNT(k, ')')
FROM fn_json;
