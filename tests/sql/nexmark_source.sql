-- The nexmark source: the first events of a Nexmark stream (upstream's DDL, a fixed base
-- time); events per 10 seconds from two generators (no event is late: each generator holds
-- the watermark back until its own events pass); then an option it does not know.
CREATE TABLE nexmark (
  event_type INT,
  person ROW<id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR, state VARCHAR,
             `dateTime` TIMESTAMP(3), extra VARCHAR>,
  auction ROW<id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT,
              `dateTime` TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra VARCHAR>,
  bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, `dateTime` TIMESTAMP(3),
          extra VARCHAR>,
  `dateTime` AS CASE WHEN event_type = 0 THEN person.`dateTime`
                     WHEN event_type = 1 THEN auction.`dateTime`
                     ELSE bid.`dateTime` END,
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND
) WITH ('connector' = 'nexmark', 'events.num' = '8', 'first-event.rate' = '100',
  'person.proportion' = '1', 'auction.proportion' = '1', 'bid.proportion' = '2', 'base-time' = '1700000000000');
SELECT event_type, person.id AS person, person.name, auction.id AS auction, auction.seller, bid.auction AS bid_auction,
       bid.bidder, bid.price, bid.channel, `dateTime`
FROM nexmark;
CREATE TABLE two (
  event_type INT,
  person ROW<id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR, state VARCHAR,
             `dateTime` TIMESTAMP(3), extra VARCHAR>,
  auction ROW<id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT,
              `dateTime` TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra VARCHAR>,
  bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, `dateTime` TIMESTAMP(3),
          extra VARCHAR>,
  `dateTime` AS CASE WHEN event_type = 0 THEN person.`dateTime`
                     WHEN event_type = 1 THEN auction.`dateTime`
                     ELSE bid.`dateTime` END,
  WATERMARK FOR `dateTime` AS `dateTime`
) WITH ('connector' = 'nexmark', 'events.num' = '3000', 'first-event.rate' = '100', 'base-time' = '1700000000000',
        'num.event.generators' = '2', 'person.proportion' = '1', 'auction.proportion' = '1', 'bid.proportion' = '48');
SELECT window_start, COUNT(*) AS bids
FROM TABLE(TUMBLE(TABLE two, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
WHERE event_type = 2
GROUP BY window_start, window_end;
CREATE TABLE typo (event_type INT) WITH ('connector' = 'nexmark', 'events.nm' = '1');
SELECT * FROM typo;
