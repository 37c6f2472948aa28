-- topic cpu_load_stats_real: file=iot_kafka.json partitions=3 key=hostname
-- topic cpu_load_stats_real_filter_pg: partitions=1
-- postgres: CREATE TABLE cpu_thresholds (hostname VARCHAR, allowed_top INT, PRIMARY KEY (hostname))
-- postgres: INSERT INTO cpu_thresholds VALUES ('doc', 20), ('grumpy', 30), ('sleepy', 40), ('bashful', 60), ('happy', 70), ('sneezy', 80), ('dopey', 90)
-- result: topic cpu_load_stats_real_filter_pg
-- seed 002, the third example: CPU samples from Kafka joined with the host thresholds
-- read from PostgreSQL by a lookup join, the samples above their host's threshold into
-- Kafka.
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE CPU_IN (
    hostname STRING,
    cpu STRING,
    usage DOUBLE,
    occurred_at BIGINT,
    proctime AS PROCTIME(),
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
CREATE TABLE CPU_OUT_FILTER_PG (
    time_ltz TIMESTAMP(3),
    hostname STRING,
    cpu STRING,
    usage DOUBLE,
    threshold INT
) WITH (
    'connector' = 'kafka', 'properties.bootstrap.servers' = '${KAFKA}',
    'topic' = 'cpu_load_stats_real_filter_pg', 'value.format' = 'json'
);
INSERT INTO CPU_OUT_FILTER_PG
SELECT time_ltz, CPU.hostname, cpu, usage, allowed_top
FROM CPU_IN CPU
INNER JOIN SOURCE_THRESHOLDS FOR SYSTEM_TIME AS OF proctime AS ST
    ON CPU.hostname = ST.hostname
WHERE usage > allowed_top;
