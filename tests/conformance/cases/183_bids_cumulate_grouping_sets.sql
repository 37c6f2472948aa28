-- a CUMULATE window aggregation with explicit GROUPING SETS including the empty set
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE out_t (window_start TIMESTAMP(3), window_end TIMESTAMP(3), channel VARCHAR, bidder BIGINT, n BIGINT, volume BIGINT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT window_start, window_end, channel, bidder, COUNT(*), SUM(price)
FROM TABLE(CUMULATE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '20' SECOND, INTERVAL '1' MINUTE))
WHERE bidder <= 3
GROUP BY window_start, window_end, GROUPING SETS ((channel), (bidder), ());
