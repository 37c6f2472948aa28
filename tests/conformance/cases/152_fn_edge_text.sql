-- edge inputs: JSON paths with wildcards, deep scans and negative indexes, IS JSON on odd text, tricky URLs, splitting
CREATE TABLE fn_edge (id INT, t STRING)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_edge.json', 'format' = 'json');
CREATE TABLE out_t (id INT, isj BOOLEAN, iss BOOLEAN, v1 STRING, v2 STRING, v3 STRING, q1 STRING, q2 STRING, q3 STRING,
  q4 STRING, e1 BOOLEAN, e2 BOOLEAN, h STRING, pth STRING, qry STRING, rf STRING, proto STRING, auth STRING,
  qa STRING, qb STRING, sp ARRAY<STRING>, sp2 ARRAY<STRING>, m1 STRING, m2 INT, ue STRING, ud STRING, ju STRING)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT id, t IS JSON, t IS JSON SCALAR, JSON_VALUE(t, '$.a'), JSON_VALUE(t, '$[-1]'), JSON_VALUE(t, '$.a[0]'),
  JSON_QUERY(t, '$..a'), JSON_QUERY(t, '$.b[*].a'), JSON_QUERY(t, '$[0:2]'), JSON_QUERY(t, '$.*'),
  JSON_EXISTS(t, '$..b'), JSON_EXISTS(t, '$[1]'),
  PARSE_URL(t, 'HOST'), PARSE_URL(t, 'PATH'), PARSE_URL(t, 'QUERY'), PARSE_URL(t, 'REF'), PARSE_URL(t, 'PROTOCOL'),
  PARSE_URL(t, 'AUTHORITY'), PARSE_URL(t, 'QUERY', 'a'), PARSE_URL(t, 'QUERY', 'b'),
  SPLIT(t, ','), SPLIT(t, 'aa'), STR_TO_MAP(t, '[,;]', '=')['y'], CARDINALITY(STR_TO_MAP(t, ';', '=')),
  URL_ENCODE(t), URL_DECODE(t), JSON_UNQUOTE(t)
FROM fn_edge;
