-- An error on a line holding credentials shows the line with them masked, and carets
-- still under the mistake.
CREATE TABLE alerts (host STRING, usage DOUBLE) WITH ('connector' = 'kafka', 'topic' = 'alerts', 'properties.bootstrap.servers' = 'localhost:9092',
  'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="avnadmin" password="hunter2";', 'properties.ssl.key.password' = 'k3y-pass', 'value.format' = 'jsonn');
INSERT INTO alerts SELECT 'h', 1.0;
