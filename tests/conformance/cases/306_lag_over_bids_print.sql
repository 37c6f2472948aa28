-- LAG over each auction's bids in time order: the previous price, the price three bids back with
-- a default, and the previous channel with a default.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE p (auction BIGINT, price BIGINT, before1 BIGINT, before3 BIGINT, channel_before VARCHAR) WITH ('connector' = 'print');
INSERT INTO p
SELECT auction, price, LAG(price) OVER w, LAG(price, 3, CAST(0 AS BIGINT)) OVER w, LAG(channel, 1, 'none') OVER w
FROM bid WHERE auction < 1003
WINDOW w AS (PARTITION BY auction ORDER BY `dateTime`);
