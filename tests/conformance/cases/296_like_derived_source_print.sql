-- CREATE TABLE .. LIKE: a source derived from another table's definition, its path overwritten
-- (OVERWRITING OPTIONS by default) and its watermark inherited, which a window then uses.
CREATE TABLE bid_base (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '/nonexistent/bids.json', 'format' = 'json');
CREATE TABLE bid WITH ('path' = '${DATA}/bids.json') LIKE bid_base;
CREATE TABLE per_window (channel VARCHAR, window_start TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');
INSERT INTO per_window SELECT channel, window_start, COUNT(*)
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
  GROUP BY channel, window_start, window_end;
