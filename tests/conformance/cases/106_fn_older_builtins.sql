-- built-in functions Sluice had before without an oracle case: math, strings, conversions
CREATE TABLE fn_json (id INT, j STRING, p STRING, k STRING, v INT, d DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_json.json', 'format' = 'json');
CREATE TABLE out_t (id INT, acos_ DOUBLE, asin_ DOUBLE, atan_ DOUBLE, cosh_ DOUBLE, cot_ DOUBLE, e_ DOUBLE, pi_ DOUBLE,
  log_ DOUBLE, log2_ DOUBLE, logb DOUBLE, sign_ DOUBLE, sinh_ DOUBLE, tan_ DOUBLE, tanh_ DOUBLE, tr1 DOUBLE, tr2 DOUBLE,
  gr INT, le DOUBLE, ifn STRING, asc_ INT, bt STRING, lt STRING, rt STRING, ins INT, loc INT, lft STRING, rgt STRING,
  ov STRING, rx BOOLEAN, rep STRING, rev STRING, sb STRING, fb STRING, uu INT, el INT, td STRING, ts STRING,
  fu STRING, ct STRING, ut BIGINT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT id, ACOS(d / 1e11), ASIN(d / 1e11), ATAN(d), COSH(d / 1e9), COT(d), E(), PI(),
  LOG(d), LOG2(d), LOG(2, d), SIGN(d), SINH(d / 1e9), TAN(d), TANH(d), TRUNCATE(d, 1), TRUNCATE(d),
  GREATEST(v, id, 3), LEAST(d, 1.5), IFNULL(k, 'none'), ASCII(k), BTRIM(CONCAT('xx', k, 'x'), 'x'),
  LTRIM(CONCAT('  ', k)), RTRIM(CONCAT(k, '  ')), INSTR(k, 'a'), LOCATE('e', k, 3), LEFT(k, 3), RIGHT(k, 2),
  OVERLAY(k PLACING '##' FROM 2 FOR 1), REGEXP(k, '^[a-e]'), REPEAT(k, 2), REVERSE(k), SUBSTR(k, 2, 2),
  FROM_BASE64(TO_BASE64(k)), CHAR_LENGTH(UUID()), ELEMENT(ARRAY[v]),
  CAST(TO_DATE(CONCAT('2024-02-', CAST(id + 20 AS STRING))) AS STRING),
  CAST(TO_TIMESTAMP(CONCAT('2024-02-29 1', CAST(id AS STRING), ':00:00')) AS STRING),
  FROM_UNIXTIME(id * 86400 + v), CONVERT_TZ('2024-02-29 10:00:00', 'UTC', 'Asia/Shanghai'),
  UNIX_TIMESTAMP(CONCAT('2024-02-2', CAST(id AS STRING), ' 00:00:00'))
FROM fn_json;
