-- ORDER BY a rowtime attribute without LIMIT: Flink's sort of a stream, rows released in time
-- order as the watermark passes them, the further keys ordering rows of one time.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE p (auction BIGINT, price BIGINT, `dateTime` TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO p SELECT auction, price, `dateTime` FROM bid WHERE channel = 'baidu' ORDER BY `dateTime`, price DESC;
