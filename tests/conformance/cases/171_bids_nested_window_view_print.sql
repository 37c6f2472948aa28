-- a window aggregation over a view of another window aggregation's renamed bounds (through two
-- views) stays a window aggregation; its changelog through print is insert-only
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE VIEW per_auction AS
SELECT auction, window_start AS ws, window_end AS we, COUNT(*) AS bids, SUM(price) AS volume
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
GROUP BY auction, window_start, window_end;
CREATE VIEW busy AS SELECT * FROM per_auction WHERE bids >= 3;
CREATE TABLE out_t (ws TIMESTAMP(3), we TIMESTAMP(3), auctions BIGINT, top_volume BIGINT, total BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT ws, we, COUNT(*), MAX(volume), SUM(bids) FROM busy GROUP BY ws, we;
