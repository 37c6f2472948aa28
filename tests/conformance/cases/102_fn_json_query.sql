-- IS JSON, JSON_EXISTS, JSON_VALUE with RETURNING / ON EMPTY / ON ERROR, JSON_QUERY with wrappers
CREATE TABLE fn_json (id INT, j STRING, p STRING, k STRING, v INT, d DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_json.json', 'format' = 'json');
CREATE TABLE out_t (id INT, isj BOOLEAN, isv BOOLEAN, iss BOOLEAN, isa BOOLEAN, iso BOOLEAN, isnj BOOLEAN,
  ex_a BOOLEAN, ex_strict BOOLEAN, ex_err_t BOOLEAN, ex_err_u BOOLEAN, ex_c1 BOOLEAN,
  jv_b STRING, jv_a STRING, jv_f STRING, jv_e STRING, jv_c STRING, jv_arr STRING, jv_n STRING,
  jv_int INT, jv_bool BOOLEAN, jv_dbl DOUBLE, jv_def STRING, jv_def_err STRING, jv_def_int INT,
  jv_strict STRING, jv_quoted STRING, jv_nested STRING, jv_wild STRING,
  jq STRING, jq_c STRING, jq_scalar STRING, jq_wrap STRING, jq_cond STRING, jq_cond_arr STRING, jq_uncond STRING,
  jq_empty_arr STRING, jq_empty_obj STRING, jq_err_obj STRING, jq_all STRING, jq_wild STRING, jq_strict STRING)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT id, j IS JSON, j IS JSON VALUE, j IS JSON SCALAR, j IS JSON ARRAY, j IS JSON OBJECT, j IS NOT JSON,
  JSON_EXISTS(j, '$.a'), JSON_EXISTS(j, 'strict $.zz'), JSON_EXISTS(j, 'strict $.zz' TRUE ON ERROR),
  JSON_EXISTS(j, 'strict $.zz' UNKNOWN ON ERROR), JSON_EXISTS(j, '$.c[1]'),
  JSON_VALUE(j, '$.b'), JSON_VALUE(j, '$.a'), JSON_VALUE(j, '$.f'), JSON_VALUE(j, '$.e'),
  JSON_VALUE(j, '$.c'), JSON_VALUE(j, '$[2]'), JSON_VALUE(j, '$.n'),
  JSON_VALUE(j, '$.c[1]' RETURNING INT), JSON_VALUE(j, '$.c[2].d' RETURNING BOOLEAN), JSON_VALUE(j, '$.f' RETURNING DOUBLE),
  JSON_VALUE(j, '$.missing' DEFAULT 'none' ON EMPTY), JSON_VALUE(j, '$.g' DEFAULT 'bad' ON ERROR),
  JSON_VALUE(j, '$.zz' RETURNING INT DEFAULT -1 ON EMPTY DEFAULT -2 ON ERROR),
  JSON_VALUE(j, 'strict $.zz' DEFAULT 'strict-miss' ON ERROR), JSON_VALUE(j, '$[''b'']'), JSON_VALUE(j, '$.g.h'),
  JSON_VALUE(j, '$.c[*]'),
  JSON_QUERY(j, '$'), JSON_QUERY(j, '$.c'), JSON_QUERY(j, '$.b'), JSON_QUERY(j, '$.b' WITH WRAPPER),
  JSON_QUERY(j, '$.b' WITH CONDITIONAL WRAPPER), JSON_QUERY(j, '$.c' WITH CONDITIONAL ARRAY WRAPPER),
  JSON_QUERY(j, '$.g' WITH UNCONDITIONAL ARRAY WRAPPER),
  JSON_QUERY(j, '$.zz' EMPTY ARRAY ON EMPTY), JSON_QUERY(j, '$.zz' EMPTY OBJECT ON EMPTY),
  JSON_QUERY(j, 'strict $.b' EMPTY OBJECT ON ERROR), JSON_QUERY(j, '$.g' WITHOUT ARRAY WRAPPER NULL ON EMPTY NULL ON ERROR),
  JSON_QUERY(j, '$.c[*]'), JSON_QUERY(j, 'strict $.zz' EMPTY ARRAY ON ERROR)
FROM fn_json;
