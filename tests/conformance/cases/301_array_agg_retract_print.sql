-- ARRAY_AGG over an updating input: a retraction takes its value out of the array.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE p (n BIGINT, channels ARRAY<VARCHAR>) WITH ('connector' = 'print');
INSERT INTO p
SELECT n, ARRAY_AGG(channel) FROM (
  SELECT channel, COUNT(*) AS n FROM bid WHERE auction < 1001 GROUP BY channel
) GROUP BY n;
