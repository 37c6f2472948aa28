-- JSON_ARRAYAGG and JSON_OBJECTAGG in an updating GROUP BY (printed changelog), with ON NULL and nesting
CREATE TABLE fn_json (id INT, j STRING, p STRING, k STRING, v INT, d DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_json.json', 'format' = 'json');
CREATE TABLE out_t (g INT, arr STRING, arr_null STRING, obj STRING, obj_absent STRING, nested STRING)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT MOD(id, 2), JSON_ARRAYAGG(k), JSON_ARRAYAGG(v NULL ON NULL),
  JSON_OBJECTAGG(KEY COALESCE(k, 'none') VALUE d), JSON_OBJECTAGG(COALESCE(k, 'x') VALUE v ABSENT ON NULL),
  JSON_ARRAYAGG(JSON_OBJECT('i' VALUE id, 'd' VALUE d))
FROM fn_json
GROUP BY MOD(id, 2);
