-- DATE and TIMESTAMP partition columns: Flink names a DATE folder by its day number and a TIMESTAMP
-- folder by Java's LocalDateTime text (2024-02-29T23%3A59, seconds and fraction only when not zero)
CREATE TABLE src (id INT, dt STRING, hm STRING, city STRING, n INT, `day` DATE, ts TIMESTAMP(3), amount DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/partitions.json', 'format' = 'json');
CREATE TABLE parts (id INT, city STRING, `day` DATE, ts TIMESTAMP(3)) PARTITIONED BY (`day`, ts)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/parts', 'format' = 'json', 'sink.partition-commit.policy.kind' = 'success-file');
INSERT INTO parts SELECT id, city, `day`, ts FROM src;
