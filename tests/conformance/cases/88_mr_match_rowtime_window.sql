-- MATCH_ROWTIME() is a rowtime attribute: matches counted in a downstream TUMBLE window per symbol
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE ticks (
  symbol STRING, price INT, seq INT, ts STRING,
  rt AS TO_TIMESTAMP(ts),
  WATERMARK FOR rt AS rt - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_ticks.json', 'format' = 'json');

CREATE VIEW rises AS
SELECT *
FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY rt
    MEASURES
      A.price AS a_price,
      LAST(B.price) AS top,
      MATCH_ROWTIME() AS mrt
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B{2})
    DEFINE
      B AS B.price > A.price
  ) AS T;
CREATE TABLE out_t (symbol STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n_matches BIGINT, max_top INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT symbol, window_start, window_end, COUNT(*) AS n_matches, MAX(top) AS max_top
FROM TABLE(TUMBLE(TABLE rises, DESCRIPTOR(mrt), INTERVAL '10' SECOND))
GROUP BY symbol, window_start, window_end;
