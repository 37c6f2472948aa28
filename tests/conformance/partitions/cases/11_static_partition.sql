-- INSERT ... PARTITION (k = 'v'): static partition values, for every partition column or for the
-- first with the rest dynamic; the query gives the other columns
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id INT, dt STRING, hm STRING, city STRING, n INT, `day` DATE, ts TIMESTAMP(3), amount DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/partitions.json', 'format' = 'json');
CREATE TABLE parts (id INT, city STRING, dt STRING, hm STRING) PARTITIONED BY (dt, hm)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/parts', 'format' = 'json', 'sink.partition-commit.policy.kind' = 'success-file');
INSERT INTO parts PARTITION (dt = '2024-12-31', hm = '23:59') SELECT id, city FROM src WHERE n > 8;
INSERT INTO parts PARTITION (dt = '2025-01-01') SELECT id, city, hm FROM src WHERE n <= 8;
CREATE TABLE parts_in (id INT, city STRING, dt STRING, hm STRING) PARTITIONED BY (dt, hm)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/parts', 'format' = 'json');
CREATE TABLE back (id INT, city STRING, dt STRING, hm STRING)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/back', 'format' = 'json');
INSERT INTO back SELECT id, city, dt, hm FROM parts_in;
