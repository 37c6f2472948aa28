-- CREATE TABLE .. LIKE: a source derived from another table's definition, with a watermark added
-- and an option merged in (OVERWRITING OPTIONS by default); a window then uses the watermark.
CREATE TABLE bid_base (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3)
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE bid (WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND)
WITH ('json.ignore-parse-errors' = 'true') LIKE bid_base;
CREATE TABLE per_window (channel VARCHAR, window_start TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');
INSERT INTO per_window SELECT channel, window_start, COUNT(*)
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
  GROUP BY channel, window_start, window_end;
