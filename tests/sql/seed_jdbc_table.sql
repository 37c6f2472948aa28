-- The seed's JDBC side table is accepted as written (no connection is made before a query runs).
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
DESCRIBE site_ranker;
