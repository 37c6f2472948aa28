-- PARTITIONED BY two STRING columns: Flink's folders (hm=23%3A59), a success file in each, the partition
-- columns left out of the files, and the rows read back with the partition columns from the folder names
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id INT, dt STRING, hm STRING, city STRING, n INT, `day` DATE, ts TIMESTAMP(3), amount DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/partitions.json', 'format' = 'json');
CREATE TABLE parts (id INT, city STRING, amount DOUBLE, dt STRING, hm STRING) PARTITIONED BY (dt, hm)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/parts', 'format' = 'json', 'sink.partition-commit.policy.kind' = 'success-file');
INSERT INTO parts SELECT id, city, amount, dt, hm FROM src;
CREATE TABLE parts_in (id INT, city STRING, amount DOUBLE, dt STRING, hm STRING, fp STRING METADATA FROM 'file.path' VIRTUAL)
PARTITIONED BY (dt, hm) WITH ('connector' = 'filesystem', 'path' = '${OUT}/parts', 'format' = 'json');
CREATE TABLE back (id INT, city STRING, dt STRING, hm STRING, folder STRING)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/back', 'format' = 'json');
INSERT INTO back SELECT id, city, dt, hm, REGEXP_EXTRACT(fp, '/parts/(.*)/[^/]*$', 1) FROM parts_in;
