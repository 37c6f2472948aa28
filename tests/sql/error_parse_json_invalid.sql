-- Flink 2.3 fails the job: TableRuntimeException "Failed to parse json string: {bad", caused by Jackson's JsonParseException
CREATE TABLE p (id INT, v VARIANT) WITH ('connector' = 'print');
INSERT INTO p SELECT id, PARSE_JSON(s) FROM (VALUES (1, '{"a": 1}'), (2, '{bad')) AS t(id, s);
