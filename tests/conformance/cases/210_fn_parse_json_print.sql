-- PARSE_JSON into a print sink: key order, integers of every width, decimals, doubles, strings with escapes, JSON null, SQL NULL, text after the value, allowDuplicateKeys
CREATE TABLE docs (id INT, kind STRING, s STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/variant_docs.json', 'format' = 'json');
CREATE TABLE out_t (id INT, v VARIANT, w VARIANT, x VARIANT, t STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, PARSE_JSON(s), PARSE_JSON(s, TRUE), PARSE_JSON(s, FALSE), TYPEOF(PARSE_JSON(s))
FROM docs WHERE kind = 'ok';
