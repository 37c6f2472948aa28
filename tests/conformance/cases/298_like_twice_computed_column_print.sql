-- CREATE TABLE .. LIKE twice: a source derived from a file table with an option added, then one
-- derived from that with a computed column added (INCLUDING GENERATED) and the watermark left
-- out (EXCLUDING WATERMARKS).
CREATE TABLE bid_base (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE bid WITH ('json.ignore-parse-errors' = 'true') LIKE bid_base;
CREATE TABLE bid_cents (cents AS price * 100) LIKE bid (EXCLUDING WATERMARKS);
CREATE TABLE per_channel (channel VARCHAR, total BIGINT) WITH ('connector' = 'print');
INSERT INTO per_channel SELECT channel, SUM(cents) FROM bid_cents WHERE auction < 1003 GROUP BY channel;
