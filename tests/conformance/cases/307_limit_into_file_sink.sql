-- LIMIT without ORDER BY over an insert-only input is insert-only, as Flink's first-N is: it
-- writes into an append-only file sink.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE firsts (auction BIGINT, bidder BIGINT, price BIGINT) WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO firsts SELECT auction, bidder, price FROM bid WHERE price > 400 LIMIT 6;
