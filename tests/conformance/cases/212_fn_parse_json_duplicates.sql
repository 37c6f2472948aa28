-- PARSE_JSON(s, TRUE) keeps the last of repeated keys, nested objects too; TYPEOF of PARSE_JSON and TRY_PARSE_JSON
CREATE TABLE docs (id INT, kind STRING, s STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/variant_docs.json', 'format' = 'json');
CREATE TABLE out_t (id INT, v VARIANT, t1 STRING, t2 STRING, t3 STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, PARSE_JSON(s, TRUE), TYPEOF(PARSE_JSON(s, TRUE)), TYPEOF(TRY_PARSE_JSON(s)), TYPEOF(PARSE_JSON('[1]'))
FROM docs WHERE kind <> 'bad';
