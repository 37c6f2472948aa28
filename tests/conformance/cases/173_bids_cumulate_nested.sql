-- CUMULATE windows aggregated twice: the second level groups by the first level's renamed bounds and
-- its window_time (a rowtime attribute again), so the result is append-only
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE out_t (s TIMESTAMP(3), e TIMESTAMP(3), t TIMESTAMP(3), channels BIGINT, bids BIGINT, best BIGINT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT s, e, t, COUNT(DISTINCT channel), SUM(n), MAX(best)
FROM (
  SELECT channel, window_start AS s, window_end AS e, window_time AS t, COUNT(*) AS n, MAX(price) AS best
  FROM TABLE(CUMULATE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '5' SECOND, INTERVAL '20' SECOND))
  GROUP BY channel, window_start, window_end, window_time
)
GROUP BY s, e, t;
