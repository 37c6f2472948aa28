-- a SESSION window TVF without aggregation (Flink 2.3 runs it): each row comes out, once its
-- session has closed, with the merged session's bounds
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE out_t (auction BIGINT, bidder BIGINT, price BIGINT, dt TIMESTAMP(3), ws TIMESTAMP(3), we TIMESTAMP(3))
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT auction, bidder, price, `dateTime`, window_start, window_end
FROM TABLE(SESSION(TABLE bid PARTITION BY auction, DESCRIPTOR(`dateTime`), INTERVAL '1' SECOND))
WHERE price > 350;
