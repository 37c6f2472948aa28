-- LAG in an OVER window (Flink's default frame, the whole partition up to the current time):
-- with no offset, an offset and a default, a string with a default, and offset 0; rows of one
-- time are peers and see the same values.
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (id INT, k STRING, ts TIMESTAMP(3), p1 INT, p2 INT, ps STRING, pd DOUBLE) WITH ('connector' = 'print');
INSERT INTO out_t SELECT id, k, ts, LAG(v) OVER w, LAG(v, 2, -1) OVER w, LAG(s, 1, 'none') OVER w, LAG(d, 0) OVER w FROM ev
WINDOW w AS (PARTITION BY k ORDER BY ts);
