-- rows with equal rowtime, ORDER BY rt, seq: the secondary column orders rows of one timestamp
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE readings (
  device STRING, seq INT, reading INT, ts STRING,
  rt AS TO_TIMESTAMP(ts),
  WATERMARK FOR rt AS rt - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_equal_ts.json', 'format' = 'json');
CREATE TABLE out_t (device STRING, a_seq INT, b_seq INT, c_seq INT, a_r INT, b_r INT, c_r INT, c_time TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT *
FROM readings
  MATCH_RECOGNIZE (
    PARTITION BY device
    ORDER BY rt, seq
    MEASURES
      A.seq AS a_seq, B.seq AS b_seq, C.seq AS c_seq,
      A.reading AS a_r, B.reading AS b_r, C.reading AS c_r,
      C.rt AS c_time
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B C)
    DEFINE
      B AS B.reading > A.reading,
      C AS C.reading > B.reading
  ) AS T;
