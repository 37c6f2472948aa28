-- the partition-time trigger: partitions named by day and hour of an event-time column with a watermark,
-- the time pattern '$dt $hr:00:00', a delay, and a success file of its own name; at the end of the
-- bounded input every partition is committed
CREATE TABLE events (id INT, ts TIMESTAMP(3), v STRING, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/partitions_events.json', 'format' = 'json');
CREATE TABLE hourly (id INT, v STRING, ts TIMESTAMP(3), dt STRING, hr STRING) PARTITIONED BY (dt, hr)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/hourly', 'format' = 'json',
  'sink.partition-commit.trigger' = 'partition-time',
  'partition.time-extractor.timestamp-pattern' = '$dt $hr:00:00',
  'sink.partition-commit.delay' = '1 h',
  'sink.partition-commit.watermark-time-zone' = 'UTC',
  'sink.partition-commit.policy.kind' = 'success-file',
  'sink.partition-commit.success-file.name' = '_READY');
INSERT INTO hourly SELECT id, v, ts, DATE_FORMAT(ts, 'yyyy-MM-dd'), DATE_FORMAT(ts, 'HH') FROM events;
