-- The Nexmark suite's Java function count_char (com.github.nexmark.flink.udf.CountChar, which
-- Sluice runs natively): bytes of the first string equal to the first byte of the second, 0 for
-- NULL; 'é' counts every character whose UTF-8 starts with the same byte.
CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar';
CREATE TEMPORARY FUNCTION cc AS 'com.github.nexmark.flink.udf.CountChar' LANGUAGE JAVA;
CREATE TABLE out_t (s STRING, c BIGINT, e BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT s, count_char(s, 'c'), cc(s, 'é')
FROM (VALUES ('concurrency check'), (CAST(NULL AS STRING)), ('café crème'), ('')) AS t(s);
