-- SHOW CREATE TABLE masks the values of options that are credentials (Flink prints them)
CREATE TEMPORARY TABLE site_ranker (
  atoll_id STRING,
  ranking_score DOUBLE,
  latitude DOUBLE,
  longitude DOUBLE
) WITH (
  'connector' = 'jdbc',
  'url' = 'jdbc:postgresql://localhost:5432/atolls',
  'table-name' = 'atoll_data',
  'username' = 'flink',
  'password' = 'hunter2-pw',
  'lookup.cache.max-rows' = '5000'
);
CREATE TABLE alarms (id INT, severity INT) WITH (
  'connector' = 'kafka', 'topic' = 'alarms', 'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json',
  'properties.security.protocol' = 'SASL_SSL', 'properties.sasl.mechanism' = 'SCRAM-SHA-256',
  'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="avnadmin" password="jaas-pw-42";'
);
SHOW CREATE TABLE site_ranker;
SHOW CREATE TABLE alarms;
SHOW CREATE VIEW alarms;
