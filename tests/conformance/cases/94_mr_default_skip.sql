-- no AFTER MATCH clause: Flink's default is SKIP TO NEXT ROW, so overlapping runs of three rising prices each give a match
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE ticks (
  symbol STRING, price INT, seq INT, ts STRING,
  rt AS TO_TIMESTAMP(ts),
  WATERMARK FOR rt AS rt - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_ticks.json', 'format' = 'json');
CREATE TABLE out_t (symbol STRING, a_seq INT, prices STRING, c_time TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT *
FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY rt
    MEASURES
      A.seq AS a_seq,
      CAST(A.price AS STRING) || '<' || CAST(B.price AS STRING) || '<' || CAST(C.price AS STRING) AS prices,
      C.rt AS c_time
    PATTERN (A B C)
    DEFINE
      B AS B.price > A.price,
      C AS C.price > B.price
  ) AS T;
