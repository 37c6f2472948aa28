-- a GROUP BY over the bounds of an earlier SESSION window aggregation is an ordinary,
-- updating GROUP BY in Flink (GroupAggregate), not a window aggregation
CREATE TABLE ev (
  sensor STRING, temp INT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_sensors.json', 'format' = 'json');
CREATE TABLE out_t (window_start TIMESTAMP(3), window_end TIMESTAMP(3), sensors BIGINT, hottest INT)
WITH ('connector' = 'print');
CREATE VIEW per_sensor AS
SELECT sensor, window_start, window_end, MAX(temp) AS hottest
FROM TABLE(SESSION(TABLE ev, DESCRIPTOR(ts), INTERVAL '5' SECOND))
GROUP BY sensor, window_start, window_end;
INSERT INTO out_t
SELECT window_start, window_end, COUNT(*), MAX(hottest) FROM per_sensor GROUP BY window_start, window_end;
