-- an INNER window join of two CUMULATE window TVFs: a row meets the other side's rows in every
-- cumulative window they share
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE out_t (auction BIGINT, l_bidder BIGINT, r_bidder BIGINT, window_start TIMESTAMP(3), window_end TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT L.auction, L.bidder, R.bidder, L.window_start, L.window_end
FROM (SELECT * FROM TABLE(CUMULATE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '2' SECOND, INTERVAL '6' SECOND)) WHERE channel = 'baidu' AND price > 450) L
JOIN (SELECT * FROM TABLE(CUMULATE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '2' SECOND, INTERVAL '6' SECOND)) WHERE channel = 'facebook' AND price > 400) R
ON L.auction = R.auction AND L.window_start = R.window_start AND L.window_end = R.window_end;
