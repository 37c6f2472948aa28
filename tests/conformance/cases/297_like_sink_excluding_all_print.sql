-- CREATE TABLE .. LIKE .. (EXCLUDING ALL): a print sink with the physical columns of a file table
-- and one more column, none of its options, watermark or key.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, `dateTime` TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bids.json', 'format' = 'json');
CREATE TABLE p (doubled BIGINT) WITH ('connector' = 'print') LIKE bid (EXCLUDING ALL);
INSERT INTO p SELECT auction, bidder, price, channel, `dateTime`, price * 2 FROM bid WHERE auction = 1003 AND price > 400;
