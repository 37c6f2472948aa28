-- every column kind: physical types, metadata (with and without FROM, VIRTUAL), computed,
-- comments, an unnamed primary key, a watermark, a table comment; a named key with
-- PARTITIONED BY; a column-level key; back-quoted names
CREATE TABLE k (
  id BIGINT, name STRING NOT NULL COMMENT 'the name', price DECIMAL(10, 2), ts TIMESTAMP(3), d DATE, tm TIME, b BOOLEAN, bs BYTES,
  arr ARRAY<INT>, m MAP<STRING, INT>, r ROW<a INT, b STRING>, c CHAR(3), v VARCHAR(20), ltz TIMESTAMP_LTZ(3), f FLOAT,
  ti TINYINT, si SMALLINT, i INT,
  part INT METADATA FROM 'partition' VIRTUAL,
  `offset` BIGINT METADATA VIRTUAL,
  kts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp',
  pt AS PROCTIME(),
  total AS price * 2 + 1 COMMENT 'doubled',
  up AS UPPER(name),
  PRIMARY KEY (id) NOT ENFORCED,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) COMMENT 'a kafka table' WITH ('connector' = 'kafka', 'topic' = 't', 'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
CREATE TABLE pk2 (a INT, b STRING, c INT, CONSTRAINT my_pk PRIMARY KEY (a, b) NOT ENFORCED) PARTITIONED BY (c, b) WITH ('connector' = 'filesystem', 'path' = '/tmp/p', 'format' = 'csv');
CREATE TABLE pk3 (a INT PRIMARY KEY NOT ENFORCED, `my col` STRING, `we``ird` INT) WITH ('connector' = 'print');
CREATE TEMPORARY TABLE e3 (ts TIMESTAMP_LTZ(3), x INT NOT NULL, WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE) COMMENT 'it''s' WITH ('connector' = 'datagen', 'rows-per-second' = '5', 'fields.x.min' = '1');
SHOW CREATE TABLE k;
SHOW CREATE TABLE pk2;
SHOW CREATE TABLE pk3;
SHOW CREATE TABLE e3;
