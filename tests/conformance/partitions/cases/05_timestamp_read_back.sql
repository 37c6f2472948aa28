-- a TIMESTAMP(3) partition column read back from its folder names
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id INT, dt STRING, hm STRING, city STRING, n INT, `day` DATE, ts TIMESTAMP(3), amount DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/partitions.json', 'format' = 'json');
CREATE TABLE parts (id INT, amount DOUBLE, ts TIMESTAMP(3)) PARTITIONED BY (ts)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/parts', 'format' = 'json');
INSERT INTO parts SELECT id, amount, ts FROM src;
CREATE TABLE parts_in (id INT, amount DOUBLE, ts TIMESTAMP(3)) PARTITIONED BY (ts)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/parts', 'format' = 'json');
CREATE TABLE back (id INT, ts TIMESTAMP(3), next_day TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = '${OUT}/back', 'format' = 'json');
INSERT INTO back SELECT id, ts, ts + INTERVAL '1' DAY FROM parts_in;
