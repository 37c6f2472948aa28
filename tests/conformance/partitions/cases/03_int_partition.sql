-- an INT partition column (negative and zero values too), read back as INT and filtered on
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id INT, dt STRING, hm STRING, city STRING, n INT, `day` DATE, ts TIMESTAMP(3), amount DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/partitions.json', 'format' = 'json');
CREATE TABLE parts (id INT, city STRING, n INT) PARTITIONED BY (n)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/parts', 'format' = 'json');
INSERT INTO parts SELECT id, city, n FROM src;
CREATE TABLE parts_in (id INT, city STRING, n INT) PARTITIONED BY (n)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/parts', 'format' = 'json');
CREATE TABLE back (id INT, n INT, n_plus_one INT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/back', 'format' = 'json');
INSERT INTO back SELECT id, n, n + 1 FROM parts_in WHERE n >= 0;
