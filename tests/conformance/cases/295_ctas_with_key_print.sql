-- CREATE TABLE .. AS SELECT with a primary key on a NOT NULL column of the query.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE firsts (PRIMARY KEY (auction) NOT ENFORCED) WITH ('connector' = 'print') AS
SELECT COALESCE(auction, 0) AS auction, MIN(price) AS lowest FROM bid WHERE auction < 1005 GROUP BY COALESCE(auction, 0);
