-- the process-time trigger with a delay commits every partition at the end of input; a table without
-- 'sink.partition-commit.policy.kind' writes its partition folders but no success file
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id INT, dt STRING, hm STRING, city STRING, n INT, `day` DATE, ts TIMESTAMP(3), amount DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/partitions.json', 'format' = 'json');
CREATE TABLE committed (id INT, city STRING, dt STRING) PARTITIONED BY (dt)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/committed', 'format' = 'json',
  'sink.partition-commit.trigger' = 'process-time', 'sink.partition-commit.delay' = '1 d',
  'sink.partition-commit.policy.kind' = 'success-file');
INSERT INTO committed SELECT id, city, dt FROM src;
CREATE TABLE plain (id INT, city STRING, dt STRING) PARTITIONED BY (dt)
WITH ('connector' = 'filesystem', 'path' = '${OUT}/plain', 'format' = 'json');
INSERT INTO plain SELECT id, city, dt FROM src;
