-- Nexmark q11, user sessions: how many bids each bidder makes in each session (a gap of
-- 10 seconds ends one), with the legacy SESSION group window.
CREATE TABLE nexmark_q11 (bidder BIGINT, bid_count BIGINT, starttime TIMESTAMP(3), endtime TIMESTAMP(3))
WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q11
SELECT b.bidder, COUNT(*) AS bid_count,
       SESSION_START(b.`dateTime`, INTERVAL '10' SECOND) AS starttime,
       SESSION_END(b.`dateTime`, INTERVAL '10' SECOND) AS endtime
FROM bid b
GROUP BY b.bidder, SESSION(b.`dateTime`, INTERVAL '10' SECOND);
