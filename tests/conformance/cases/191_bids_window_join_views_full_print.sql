-- a FULL OUTER window join of two window aggregations selected through views with renamed bounds,
-- through print: unmatched windows of either side are padded once, when the window fires
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE VIEW apple AS
SELECT auction, window_start AS ws, window_end AS we, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '3' SECOND)) WHERE channel = 'apple'
GROUP BY auction, window_start, window_end;
CREATE VIEW google AS
SELECT auction, window_start AS ws, window_end AS we, MAX(price) AS best
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '3' SECOND)) WHERE channel = 'google'
GROUP BY auction, window_start, window_end;
CREATE TABLE out_t (a_auction BIGINT, g_auction BIGINT, ws TIMESTAMP(3), n BIGINT, best BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT a.auction, g.auction, COALESCE(a.ws, g.ws), a.n, g.best
FROM apple a FULL JOIN google g ON a.auction = g.auction AND a.ws = g.ws AND a.we = g.we
WHERE a.auction IS NULL OR a.auction < 1004;
