-- NULL and empty partition values go to __DEFAULT_PARTITION__ (or 'partition.default-name'), each with
-- its success file; a value equal to the default name shares its folder
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id INT, dt STRING, city STRING, n INT, `day` DATE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/partitions_nulls.json', 'format' = 'json');
CREATE TABLE parts (id INT, `day` DATE, dt STRING, city STRING) PARTITIONED BY (dt, city)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/parts', 'format' = 'json', 'sink.partition-commit.policy.kind' = 'success-file');
INSERT INTO parts SELECT id, `day`, dt, city FROM src;
CREATE TABLE named (id INT, n INT, `day` DATE) PARTITIONED BY (n, `day`)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/named', 'format' = 'json', 'partition.default-name' = 'no value: none',
  'sink.partition-commit.policy.kind' = 'success-file', 'sink.partition-commit.success-file.name' = '_DONE');
INSERT INTO named SELECT id, n, `day` FROM src;
