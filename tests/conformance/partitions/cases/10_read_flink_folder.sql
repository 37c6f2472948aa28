-- a partitioned folder that Flink wrote (data/partitions_flink, made by make_flink_folder.sql): the
-- partition columns come from its folder names, its success files are skipped, and a WHERE clause on
-- a partition column and a data column filters the rows
CREATE TABLE flink_parts (id INT, city STRING, amount DOUBLE, ts TIMESTAMP(3), dt STRING, hm STRING,
  fname STRING METADATA FROM 'file.name' VIRTUAL) PARTITIONED BY (dt, hm)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/partitions_flink', 'format' = 'json');
CREATE TABLE back (id INT, city STRING, ts TIMESTAMP(3), dt STRING, hm STRING, day_part STRING)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/back', 'format' = 'json');
INSERT INTO back SELECT id, city, ts, dt, hm, SUBSTRING(dt, 6) FROM flink_parts
WHERE (dt >= '2024-03-01' OR hm = '23:59') AND amount > 1 AND fname LIKE 'part-%';
