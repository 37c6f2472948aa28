-- Nexmark q10, log to a file system: every bid with its day and minute. Upstream writes a
-- file table partitioned by (dt, hm); here the two are plain columns, the same rows.
CREATE TABLE nexmark_q10 (
  auction BIGINT, bidder BIGINT, price BIGINT, `dateTime` TIMESTAMP(3), extra VARCHAR, dt STRING, hm STRING
) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q10
SELECT auction, bidder, price, `dateTime`, extra, DATE_FORMAT(`dateTime`, 'yyyy-MM-dd'), DATE_FORMAT(`dateTime`, 'HH:mm')
FROM bid;
