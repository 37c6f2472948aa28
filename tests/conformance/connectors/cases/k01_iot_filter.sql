-- topic iot-data-input: file=iot_kafka.json partitions=3 key=hostname
-- topic iot-filtered-alert: partitions=1
-- result: topic iot-filtered-alert
-- seed 001, the filter job: the tables as `avn service flink table create` defines them
-- (only the broker and the bounded mode added), the statement as `job create` gives it.
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
CREATE TABLE iot_filtered_alert (hostname VARCHAR, time_ltz TIMESTAMP(3), cpu VARCHAR, usage DOUBLE) WITH (
  'connector' = 'kafka', 'properties.bootstrap.servers' = '${KAFKA}',
  'topic' = 'iot-filtered-alert', 'value.format' = 'json'
);
insert into iot_filtered_alert select hostname, time_ltz, cpu, usage from iot_in where usage > 90;
