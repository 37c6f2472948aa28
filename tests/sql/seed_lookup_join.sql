-- The seed's lookup join against a side table, written FOR SYSTEM_TIME AS OF PROCTIME().
CREATE TABLE netcool_alarms (alarm_id STRING, atoll_id STRING, severity INT, proc_time AS PROCTIME())
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE atoll_ranking (atoll_id STRING, ranking INT)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'csv');
EXPLAIN SELECT a.alarm_id, r.ranking FROM netcool_alarms a
  JOIN atoll_ranking FOR SYSTEM_TIME AS OF PROCTIME() r ON a.atoll_id = r.atoll_id;
