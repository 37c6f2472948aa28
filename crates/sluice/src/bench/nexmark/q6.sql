-- Nexmark q6, average selling price by seller: the average of the winning bids of each
-- seller's last 10 closed auctions. Upstream's text filters on `rownum` in the SELECT that
-- defines it, which no engine accepts; here the Top-1 is a subquery of its own.
CREATE TABLE nexmark_q6 (seller VARCHAR, avg_price BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q6
SELECT CAST(w.seller AS VARCHAR),
       AVG(w.price) OVER (PARTITION BY w.seller ORDER BY w.`dateTime` ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)
FROM (
  SELECT id, seller, price, `dateTime`
  FROM (
    SELECT a.id, a.seller, b.price, b.`dateTime`,
           ROW_NUMBER() OVER (PARTITION BY a.id, a.seller ORDER BY b.price DESC) AS rownum
    FROM auction AS a, bid AS b
    WHERE a.id = b.auction AND b.`dateTime` BETWEEN a.`dateTime` AND a.expires
  )
  WHERE rownum <= 1
) AS w;
