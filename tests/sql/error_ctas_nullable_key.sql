CREATE TABLE t (k STRING, n INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE totals (PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'print') AS
SELECT k, SUM(n) AS total FROM t GROUP BY k;
