-- a HOP window aggregation with CUBE over two keys, through print (insert-only)
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE out_t (window_start TIMESTAMP(3), window_end TIMESTAMP(3), channel VARCHAR, auction BIGINT, g BIGINT, n BIGINT, best BIGINT)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT window_start, window_end, channel, auction, GROUPING(channel, auction), COUNT(*), MAX(price)
FROM TABLE(HOP(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '30' SECOND, INTERVAL '1' MINUTE))
WHERE auction < 1003
GROUP BY window_start, window_end, CUBE (channel, auction);
