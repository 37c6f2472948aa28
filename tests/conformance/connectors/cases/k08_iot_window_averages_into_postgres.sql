-- topic cpu_load_stats_real: file=iot_kafka.json partitions=3 key=hostname
-- postgres: CREATE TABLE cpu_thresholds (hostname VARCHAR, allowed_top INT, PRIMARY KEY (hostname))
-- postgres: INSERT INTO cpu_thresholds VALUES ('doc', 20), ('grumpy', 30), ('sleepy', 40), ('bashful', 60), ('happy', 70), ('sneezy', 80), ('dopey', 90)
-- postgres: CREATE TABLE cpu_load_stats_agg_pg (window_start TIMESTAMP, window_end TIMESTAMP, hostname VARCHAR, cpu VARCHAR, usage_avg DOUBLE PRECISION, usage_max DOUBLE PRECISION, PRIMARY KEY (window_start, window_end, hostname, cpu))
-- result: postgres SELECT window_start, window_end, hostname, cpu, usage_avg, usage_max FROM cpu_load_stats_agg_pg
-- seed 002, the fourth example: 30-second CPU averages per host and cpu above the host's
-- threshold from PostgreSQL, upserted into a PostgreSQL table. The lookup joins on a
-- proctime attribute of the averages (Flink 2.3 refuses `AS OF PROCTIME()`).
SET 'table.local-time-zone' = 'UTC';
SET 'table.exec.sink.upsert-materialize' = 'NONE';
CREATE TABLE CPU_IN (
    hostname STRING,
    cpu STRING,
    usage DOUBLE,
    occurred_at BIGINT,
    time_ltz AS TO_TIMESTAMP_LTZ(occurred_at, 3),
    WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECOND
) WITH (
    'connector' = 'kafka', 'properties.bootstrap.servers' = '${KAFKA}',
    'topic' = 'cpu_load_stats_real', 'value.format' = 'json',
    'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset'
);
CREATE TABLE SOURCE_THRESHOLDS (
    hostname STRING,
    allowed_top INT,
    PRIMARY KEY (hostname) NOT ENFORCED
) WITH (
    'connector' = 'jdbc', 'url' = '${POSTGRES}', 'table-name' = 'public.cpu_thresholds',
    'username' = 'postgres', 'password' = 'unused'
);
CREATE TABLE CPU_OUT_AGG_PG (
    window_start TIMESTAMP(3),
    window_end TIMESTAMP(3),
    hostname STRING,
    cpu STRING,
    usage_avg DOUBLE,
    usage_max DOUBLE,
    PRIMARY KEY (window_start, window_end, hostname, cpu) NOT ENFORCED
) WITH (
    'connector' = 'jdbc', 'url' = '${POSTGRES}', 'table-name' = 'cpu_load_stats_agg_pg',
    'username' = 'postgres', 'password' = 'unused'
);
INSERT INTO CPU_OUT_AGG_PG
WITH JOINED_INFO AS (
    SELECT window_start, window_end, CPU.hostname, cpu, AVG(usage) AS usage_avg, MAX(usage) AS usage_max,
        PROCTIME() AS proc_time
    FROM TABLE(TUMBLE(TABLE CPU_IN, DESCRIPTOR(time_ltz), INTERVAL '30' SECONDS)) CPU
    GROUP BY window_start, window_end, CPU.hostname, cpu
)
SELECT J.window_start, J.window_end, J.hostname, J.cpu, J.usage_avg, J.usage_max
FROM JOINED_INFO J
INNER JOIN SOURCE_THRESHOLDS FOR SYSTEM_TIME AS OF J.proc_time AS ST
    ON J.hostname = ST.hostname
WHERE J.usage_avg > ST.allowed_top;
