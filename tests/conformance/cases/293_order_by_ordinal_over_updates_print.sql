-- ORDER BY a position of the SELECT list, over an updating aggregate: the two busiest channels.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE p (channel VARCHAR, n BIGINT) WITH ('connector' = 'print');
INSERT INTO p SELECT channel, COUNT(*) AS n FROM bid GROUP BY channel ORDER BY 2 DESC LIMIT 2;
