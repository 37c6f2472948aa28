-- a partition value with characters Flink escapes (/ = % : ? # * ' " [ ] ^ { } \ and a tab) and ones it
-- keeps (space, non-ASCII, ~ ! @ $ & ( ) + , ; < > | `), read back unescaped
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id INT, dt STRING, hm STRING, city STRING, n INT, `day` DATE, ts TIMESTAMP(3), amount DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/partitions.json', 'format' = 'json');
CREATE TABLE parts (id INT, n INT, city STRING) PARTITIONED BY (city)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/parts', 'format' = 'json', 'sink.partition-commit.policy.kind' = 'success-file');
INSERT INTO parts SELECT id, n, city FROM src;
CREATE TABLE parts_in (id INT, n INT, city STRING, fp STRING METADATA FROM 'file.path' VIRTUAL)
PARTITIONED BY (city) WITH ('connector' = 'filesystem', 'path' = '${OUT}/parts', 'format' = 'json');
CREATE TABLE back (id INT, city STRING, folder STRING)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/back', 'format' = 'json');
INSERT INTO back SELECT id, city, REGEXP_EXTRACT(fp, '/parts/(.*)/[^/]*$', 1) FROM parts_in;
