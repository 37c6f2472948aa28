-- Run once on Flink to make tests/conformance/data/partitions_flink, the partitioned folder that
-- cases/10_read_flink_folder.sql reads (see flink_expect.py's header): ${OUT} is that folder.
CREATE TABLE src (id INT, dt STRING, hm STRING, city STRING, n INT, `day` DATE, ts TIMESTAMP(3), amount DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/partitions.json', 'format' = 'json');
CREATE TABLE parts (id INT, city STRING, amount DOUBLE, ts TIMESTAMP(3), dt STRING, hm STRING) PARTITIONED BY (dt, hm)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json', 'sink.partition-commit.policy.kind' = 'success-file');
INSERT INTO parts SELECT id, city, amount, ts, dt, hm FROM src;
