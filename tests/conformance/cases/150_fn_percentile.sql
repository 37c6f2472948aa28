-- PERCENTILE with one percentage, an array of them and a frequency, in an updating GROUP BY
CREATE TABLE fn_json (id INT, j STRING, p STRING, k STRING, v INT, d DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_json.json', 'format' = 'json');
CREATE TABLE out_t (g INT, med DOUBLE, p90 DOUBLE, p0 DOUBLE, ps ARRAY<DOUBLE>, pf DOUBLE, pd DOUBLE)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT MOD(id, 2), PERCENTILE(v, 0.5), PERCENTILE(v, 0.9), PERCENTILE(d, 0), PERCENTILE(id, ARRAY[0.25, 0.5, 1]),
  PERCENTILE(v, 0.5, id - 2), PERCENTILE(CAST(d AS DECIMAL(12, 2)), 0.3)
FROM fn_json
GROUP BY MOD(id, 2);
