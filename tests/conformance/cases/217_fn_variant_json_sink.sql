-- A VARIANT and a structured object reach a filesystem JSON sink as text (the JSON format itself refuses both in Flink 2.3): JSON_STRING of a VARIANT is its JSON, CAST of an object its (name=value) text
CREATE TABLE docs (id INT, kind STRING, s STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/variant_docs.json', 'format' = 'json');
CREATE TABLE out_t (id INT, j STRING, k STRING, o STRING) WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT id, JSON_STRING(TRY_PARSE_JSON(s, TRUE)), JSON_STRING(PARSE_JSON('{"a": [1.50, "x", {"z": 1e3}]}')['a']),
  CAST(OBJECT_OF('org.acme.Doc', 'id', id, 'kind', kind) AS STRING)
FROM docs WHERE id <> 2;
