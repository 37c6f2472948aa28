-- ARRAY_AGG in a window aggregation: each window's prices in arrival order.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE p (auction BIGINT, window_start TIMESTAMP(3), prices ARRAY<BIGINT>) WITH ('connector' = 'print');
INSERT INTO p
SELECT auction, window_start, ARRAY_AGG(price)
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
WHERE auction = 1003
GROUP BY auction, window_start, window_end;
