-- Bidders per auction as bitmaps over 5 s TUMBLE windows of 3,000 bids (rows out of order within the watermark
-- delay): distinct bidders, bidders that bid on every channel's bitmap, the union and XOR of price bitmaps, through print
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE out_t (auction BIGINT, ws TIMESTAMP(3), bidders STRING, n_bidders BIGINT, and_n BIGINT, or_n BIGINT, xor_s STRING)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT auction, window_start, BITMAP_TO_STRING(BITMAP_BUILD_AGG(CAST(bidder AS INT))),
  BITMAP_BUILD_CARDINALITY_AGG(CAST(bidder AS INT)),
  BITMAP_AND_CARDINALITY_AGG(BITMAP_BUILD(ARRAY[CAST(bidder AS INT) % 4, CAST(price AS INT) % 3, 7])),
  BITMAP_OR_CARDINALITY_AGG(BITMAP_BUILD(ARRAY[CAST(price AS INT)])),
  BITMAP_TO_STRING(BITMAP_XOR_AGG(BITMAP_BUILD(ARRAY[CAST(price AS INT) % 16])))
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '5' SECOND))
GROUP BY auction, window_start, window_end;
