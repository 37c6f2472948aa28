-- Nexmark q4, average price per category: the average of each closed auction's winning bid,
-- per category (winning bid: the highest bid placed while the auction was open).
CREATE TABLE nexmark_q4 (id BIGINT, final BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q4
SELECT w.category, AVG(w.final)
FROM (
  SELECT MAX(b.price) AS final, a.category
  FROM auction a, bid b
  WHERE a.id = b.auction AND b.`dateTime` BETWEEN a.`dateTime` AND a.expires
  GROUP BY a.id, a.category
) w
GROUP BY w.category;
