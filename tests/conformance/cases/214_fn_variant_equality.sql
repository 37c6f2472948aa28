-- VARIANT equality is Flink's byte equality: the same object with keys in another order, 1 against 1.0, 1.5 against 15e-1 and 1.50, and repeated keys dropped by allowDuplicateKeys
CREATE TABLE pairs (id INT, a STRING, b STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/variant_pairs.json', 'format' = 'json');
CREATE TABLE out_t (id INT, eq BOOLEAN, ne BOOLEAN, va VARIANT, vb VARIANT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, PARSE_JSON(a, TRUE) = PARSE_JSON(b, TRUE), PARSE_JSON(a, TRUE) <> PARSE_JSON(b, TRUE), PARSE_JSON(a, TRUE), PARSE_JSON(b, TRUE)
FROM pairs;
