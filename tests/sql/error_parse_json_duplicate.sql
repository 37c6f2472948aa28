-- Flink 2.3 fails the job: "Failed to parse json string: {"a":1,"a":2}", caused by VariantTypeException VARIANT_DUPLICATE_KEY
CREATE TABLE p (id INT, v VARIANT) WITH ('connector' = 'print');
INSERT INTO p SELECT id, PARSE_JSON(s) FROM (VALUES (1, '{"a":1,"a":2}')) AS t(id, s);
