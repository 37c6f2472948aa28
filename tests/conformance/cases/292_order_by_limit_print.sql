-- ORDER BY .. LIMIT n: a Top-N over the whole stream, revised as bids arrive.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE p (auction BIGINT, bidder BIGINT, price BIGINT, `dateTime` TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO p SELECT auction, bidder, price, `dateTime` FROM bid ORDER BY price DESC, `dateTime` LIMIT 4;
