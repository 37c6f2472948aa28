CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar';
CREATE TABLE t (s STRING) WITH ('connector' = 'filesystem', 'path' = 'data/words.json', 'format' = 'json');
CREATE TABLE out_t (s STRING, c BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t SELECT s, count_char(s, '') FROM t;
