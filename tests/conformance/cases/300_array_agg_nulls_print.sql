-- ARRAY_AGG in a GROUP BY: the values in arrival order, NULLs kept (RESPECT NULLS, Flink's
-- default), also a group of NULLs only; with DISTINCT each value once.
CREATE TABLE t (k INT, v STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/array_agg.json', 'format' = 'json');
CREATE TABLE p (k INT, vs ARRAY<STRING>, ds ARRAY<STRING>) WITH ('connector' = 'print');
INSERT INTO p SELECT k, ARRAY_AGG(v), ARRAY_AGG(DISTINCT v) FROM t GROUP BY k;
