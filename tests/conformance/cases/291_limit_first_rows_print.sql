-- LIMIT without ORDER BY: the first rows that arrive, as Flink's streaming Limit keeps them.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE p (auction BIGINT, bidder BIGINT, price BIGINT) WITH ('connector' = 'print');
INSERT INTO p SELECT auction, bidder, price FROM bid WHERE channel = 'apple' LIMIT 5;
