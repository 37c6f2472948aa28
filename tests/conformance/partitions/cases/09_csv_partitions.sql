-- a partitioned CSV table: the files hold the other columns in their order, the partition column in
-- the middle of the schema is read back from the folder (the CSV files sit beside ${OUT}, whose files are JSON)
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id INT, dt STRING, hm STRING, city STRING, n INT, `day` DATE, ts TIMESTAMP(3), amount DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/partitions.json', 'format' = 'json');
CREATE TABLE parts (id INT, dt STRING, city STRING, amount DOUBLE) PARTITIONED BY (dt)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/../csv_parts', 'format' = 'csv');
INSERT INTO parts SELECT id, dt, city, amount FROM src;
CREATE TABLE parts_in (id INT, dt STRING, city STRING, amount DOUBLE) PARTITIONED BY (dt)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/../csv_parts', 'format' = 'csv');
CREATE TABLE back (id INT, dt STRING, city STRING, amount DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/back', 'format' = 'json');
INSERT INTO back SELECT id, dt, city, amount FROM parts_in;
