-- Flink 2.3 fails the job: "String key access on variant requires an object variant, but a non-object variant was provided."
CREATE TABLE p (id INT, v VARIANT) WITH ('connector' = 'print');
INSERT INTO p SELECT id, PARSE_JSON(s)['a'] FROM (VALUES (1, '[1, 2]')) AS t(id, s);
