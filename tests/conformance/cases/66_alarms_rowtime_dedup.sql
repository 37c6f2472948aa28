-- event-time deduplication (non-windowed): the earliest report of each alarm id by event time, where
-- the earliest often arrives later (every row is out of order by less than the watermark delay)
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE alarm_reports (
  alarm_id STRING,
  atoll_id STRING,
  severity INT,
  event_time TIMESTAMP(3),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/alarm_reports.json', 'format' = 'json');
CREATE TABLE out_t (alarm_id STRING, atoll_id STRING, severity INT, event_time TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT alarm_id, atoll_id, severity, event_time FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY alarm_id ORDER BY event_time ASC) AS rn
  FROM alarm_reports
) WHERE rn = 1;
