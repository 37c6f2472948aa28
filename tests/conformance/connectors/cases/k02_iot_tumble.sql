-- topic iot-data-input: file=iot_kafka.json partitions=3 key=hostname
-- topic iot-avg-output: partitions=1
-- result: topic iot-avg-output
-- seed 001, the 5-minute average job (only the broker and the bounded mode added). Every
-- partition is in event-time order within 8 s, under the 10 s watermark delay, so no row
-- is late however the partitions' watermarks interleave.
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' seconds
) WITH (
  'connector' = 'kafka', 'properties.bootstrap.servers' = '${KAFKA}',
  'topic' = 'iot-data-input', 'value.format' = 'json',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset'
);
CREATE TABLE iot_avg_out (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), hostname VARCHAR, cpu VARCHAR,
  avg_usage DOUBLE, max_usage DOUBLE
) WITH (
  'connector' = 'kafka', 'properties.bootstrap.servers' = '${KAFKA}',
  'topic' = 'iot-avg-output', 'value.format' = 'json'
);
insert into iot_avg_out select window_start, window_end, hostname, cpu, avg(usage), max(usage) from TABLE(TUMBLE( TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '5' MINUTES)) group by window_start, window_end, hostname, cpu;
