-- IoT CPU alerting on built-in generated data: no Kafka needed.
-- Samples from seven hosts arrive (a little out of order); every sample above 90 % is an
-- alert, printed as Flink's print connector prints it.
SET 'table.local-time-zone' = 'UTC';

CREATE TABLE iot_in (
  hostname VARCHAR,
  cpu VARCHAR,
  usage DOUBLE,
  `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH (
  'connector' = 'fake-data',
  'subject' = 'metric',
  'rows-per-second' = '400',
  'number-of-rows' = '4000',
  'max-delay' = '2 s'
);

CREATE TABLE iot_filtered_alert (
  hostname VARCHAR,
  time_ltz TIMESTAMP(3),
  cpu VARCHAR,
  usage DOUBLE
) WITH ('connector' = 'print');

INSERT INTO iot_filtered_alert
SELECT hostname, time_ltz, cpu, usage
FROM iot_in
WHERE usage > 90;
