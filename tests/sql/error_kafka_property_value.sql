-- A value librdkafka refuses fails while the job is planned, at its option.
CREATE TABLE alerts (host STRING, usage DOUBLE) WITH (
  'connector' = 'kafka',
  'topic' = 'alerts',
  'properties.bootstrap.servers' = 'localhost:9092',
  'properties.security.protocol' = 'TLS',
  'value.format' = 'json');
INSERT INTO alerts SELECT 'h', 1.0;
