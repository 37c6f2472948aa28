-- a SESSION window TVF without PARTITION BY and without aggregation, its window_time cast to a plain
-- timestamp beside the original rowtime, into an append-only filesystem sink
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE out_t (bidder BIGINT, dt TIMESTAMP(3), ws TIMESTAMP(3), we TIMESTAMP(3), wt TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT bidder, `dateTime`, window_start, window_end, CAST(window_time AS TIMESTAMP(3))
FROM TABLE(SESSION(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '0.25' SECOND))
WHERE bidder = 7;
