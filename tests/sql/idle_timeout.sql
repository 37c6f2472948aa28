-- Source idleness: the session option and the per-table option (which wins) are accepted
-- on any source table and do not reach the connector's option check.
SET 'table.exec.source.idle-timeout' = '5 s';
CREATE TABLE iot_in (hostname STRING, usage DOUBLE)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json', 'json.ignore-parse-errors' = 'true', 'scan.watermark.idle-timeout' = '1 min');
SELECT hostname, usage FROM iot_in WHERE usage > 90;
