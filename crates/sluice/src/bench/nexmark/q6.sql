-- Nexmark q6, average selling price by seller: the average of the winning bids of each
-- seller's last 10 closed auctions. Flink 2.3 refuses it (an OVER window over the updating
-- result of a Top-N, ordered by a column that is no longer a time attribute).
CREATE TABLE nexmark_q6 (seller VARCHAR, avg_price BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q6
SELECT w.seller,
       AVG(w.price) OVER (PARTITION BY w.seller ORDER BY w.`dateTime` ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY a.id, a.seller ORDER BY b.price DESC) AS rownum
  FROM (SELECT a.id, a.seller, b.price, b.`dateTime`
        FROM auction AS a, bid AS b
        WHERE a.id = b.auction AND b.`dateTime` BETWEEN a.`dateTime` AND a.expires)
  WHERE rownum <= 1
) AS w;
