CREATE TABLE pizza_source (
    id INT, shop VARCHAR, name VARCHAR, phoneNumber VARCHAR, address VARCHAR,
    pizzas ARRAY <ROW (pizzaName VARCHAR, additionalToppings ARRAY <VARCHAR>)>,
    orderTimestamp TIMESTAMP(3) METADATA FROM 'timestamp',
    orderProctime AS PROCTIME(),
    WATERMARK FOR orderTimestamp AS orderTimestamp - INTERVAL '5' SECOND
) WITH (
    'connector' = 'kafka',
    'properties.bootstrap.servers' = 'localhost:9092',
    'topic' = 'pizzas',
    'value.format' = 'json',
    'scan.startup.mode' = 'earliest-offset'
);
CREATE TEMPORARY TABLE site_ranker (
  atoll_id STRING, ranking INT, latitude DOUBLE, longitude DOUBLE,
  PRIMARY KEY (atoll_id) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = 'jdbc:postgresql://localhost:5432/netcool',
  'table-name' = 'atoll_ranking',
  'username' = 'flink', 'password' = 'secret',
  'lookup.cache.max-rows' = '5000',
  'lookup.cache.ttl' = '10min'
);
CREATE TABLE pizza_windows (
    window_time TIMESTAMP(3), window_start TIMESTAMP(3), window_end TIMESTAMP(3),
    topping VARCHAR, nr_orders BIGINT,
    PRIMARY KEY(topping, window_start, window_end) NOT ENFORCED
) WITH (
    'connector' = 'upsert-kafka',
    'properties.bootstrap.servers' = 'localhost:9092',
    'topic' = 'pizza_stream_out_agg_windows',
    'key.format' = 'json',
    'value.format' = 'json'
);
INSERT INTO pizza_trends
SELECT *
FROM pizza_windows
    MATCH_RECOGNIZE(
        PARTITION BY topping
        ORDER BY window_time
        MEASURES
            A.window_time AS start_window_time,
            LAST(C.window_time) AS end_window_time,
            LISTAGG(CAST(B.nr_orders AS STRING)) AS rising_counts,
            MAX(B.nr_orders) AS peak,
            COUNT(B.nr_orders) AS nr_rising
        ONE ROW PER MATCH
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (A B+ C{2})
        DEFINE
            B AS (LAST(B.nr_orders, 1) IS NULL AND B.nr_orders > A.nr_orders)
                 OR B.nr_orders > LAST(B.nr_orders, 1),
            C AS C.nr_orders < LAST(B.nr_orders)
    ) AS T;
SELECT a.alarm_id, a.atoll_id, r.ranking, a.severity
FROM netcool_alarms AS a
JOIN atoll_ranking FOR SYSTEM_TIME AS OF a.proc_time AS r
  ON a.atoll_id = r.atoll_id;
SELECT a.alarm_id, r.ranking FROM netcool_alarms a
  JOIN atoll_ranking FOR SYSTEM_TIME AS OF PROCTIME() r ON a.atoll_id = r.atoll_id;
EXECUTE STATEMENT SET BEGIN
  INSERT INTO a SELECT * FROM x;
  INSERT INTO b SELECT * FROM x WHERE usage > 90;
END;
SELECT window_start, window_end, hostname, AVG(usage) FROM TABLE(HOP(TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '10' SECONDS, INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, hostname;
SELECT * FROM TABLE(SESSION(TABLE alarms PARTITION BY atoll_id, DESCRIPTOR(event_time), INTERVAL '10' MINUTE));
SELECT hostname, usage, AVG(usage) OVER (PARTITION BY hostname ORDER BY time_ltz RANGE BETWEEN INTERVAL '1' MINUTE PRECEDING AND CURRENT ROW) AS baseline FROM iot_in;
SELECT DATE_FORMAT(time_ltz, 'yyyy/MM/dd HH:mm:ss'), TIMESTAMPDIFF(SECOND, firstoccurrence, lastoccurrence), EXTRACT(HOUR FROM ts), FLOOR(ts TO MINUTE), TRIM(BOTH ' ' FROM name), POSITION('a' IN name), SUBSTRING(name FROM 2 FOR 3), CAST(x AS DECIMAL(10, 2)), TRY_CAST(s AS INT), arr[1], r.f, CARDINALITY(arr) FROM t;
SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY cnt DESC) AS rn FROM w) WHERE rn <= 3;
SELECT severity, COUNT(*) FILTER (WHERE alarm_type = 'LinkDown'), COUNT(DISTINCT atoll_id), LISTAGG(alarm_id, ';') FROM netcool_alarms GROUP BY ROLLUP (severity);
CREATE TEMPORARY FUNCTION is_anomaly AS 'udfs.is_anomaly' LANGUAGE PYTHON;
SELECT * FROM t /*+ OPTIONS('scan.startup.mode'='earliest-offset') */;
SELECT id, o.x FROM orders CROSS JOIN UNNEST(items) WITH ORDINALITY AS o(x, pos);
