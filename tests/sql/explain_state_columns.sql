-- Operators that keep rows in state keep only the columns read above them, their keys and
-- their conditions: the projection is pushed below a regular join (both sides), an
-- interval join, a Top-N and a deduplication, as Flink's planner pushes it.
CREATE TABLE auctions (id BIGINT, item STRING, description STRING, category BIGINT, ts TIMESTAMP(3), expires TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE bids (auction BIGINT, bidder BIGINT, price BIGINT, url STRING, extra STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
EXPLAIN SELECT a.category, MAX(b.price) FROM auctions a, bids b
WHERE a.id = b.auction AND b.ts BETWEEN a.ts AND a.expires GROUP BY a.id, a.category;
EXPLAIN SELECT a.id, b.price FROM auctions a JOIN bids b
ON a.id = b.auction AND b.ts BETWEEN a.ts - INTERVAL '1' MINUTE AND a.ts;
EXPLAIN SELECT auction, price FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rn FROM bids) WHERE rn <= 2;
EXPLAIN SELECT auction, bidder FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY ts DESC) AS rn FROM bids) WHERE rn = 1;
