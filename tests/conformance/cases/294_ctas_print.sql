-- CREATE TABLE .. AS SELECT: the table takes the query's columns and is filled by it.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE busiest WITH ('connector' = 'print') AS
SELECT channel, COUNT(*) AS n, MAX(price) AS top FROM bid GROUP BY channel;
