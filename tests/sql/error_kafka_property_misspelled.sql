-- A misspelled Kafka client property fails while the job is planned, at its option,
-- with librdkafka's name to use, not when the client starts.
CREATE TABLE alerts (host STRING, usage DOUBLE) WITH (
  'connector' = 'kafka',
  'topic' = 'alerts',
  'properties.bootstrap.servers' = 'localhost:9092',
  'properties.securty.protocol' = 'SSL',
  'value.format' = 'json');
INSERT INTO alerts SELECT 'h', 1.0;
