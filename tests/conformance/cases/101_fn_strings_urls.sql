-- URLs, TRANSLATE, ELT, PRINTF, the newer REGEXP_* functions, SPLIT and STR_TO_MAP
CREATE TABLE fn_text (
  id INT, s STRING, n BIGINT, url STRING, kv STRING, hx STRING, csv STRING
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_text.json', 'format' = 'json');
CREATE TABLE out_t (id INT, u_host STRING, u_path STRING, u_query STRING, u_ref STRING, u_protocol STRING, u_file STRING,
  u_authority STRING, u_userinfo STRING, u_k1 STRING, u_q STRING, u_lower STRING,
  e_enc STRING, e_dec STRING, e_dec_url STRING, e_roundtrip STRING,
  tr STRING, tr_short STRING, elt1 STRING, elt2 STRING, elt_n STRING,
  pf1 STRING, pf2 STRING, pf3 STRING, pf4 STRING,
  rc INT, ri INT, rs STRING, rc_bad INT, rea ARRAY<STRING>, rea0 ARRAY<STRING>,
  sp ARRAY<STRING>, sp_chars ARRAY<STRING>, sp_n INT,
  m_a STRING, m_x STRING, m_y STRING, m_c STRING, m_k2 STRING, m_n INT, m_empty STRING)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT id,
  PARSE_URL(url, 'HOST'), PARSE_URL(url, 'PATH'), PARSE_URL(url, 'QUERY'), PARSE_URL(url, 'REF'),
  PARSE_URL(url, 'PROTOCOL'), PARSE_URL(url, 'FILE'), PARSE_URL(url, 'AUTHORITY'), PARSE_URL(url, 'USERINFO'),
  PARSE_URL(url, 'QUERY', 'k1'), PARSE_URL(url, 'QUERY', 'q'), PARSE_URL(url, 'host'),
  URL_ENCODE(s), URL_DECODE(url), URL_DECODE(URL_ENCODE(url)), URL_DECODE(URL_ENCODE(s)),
  TRANSLATE(s, 'lo', 'LO'), TRANSLATE(s, 'abcl', 'x'), ELT(1, s, csv), ELT(id - 3, s, csv, url), ELT(CAST(n AS INT), 'x', 'y'),
  PRINTF('%s|%d|%5s|%-4d|', s, id, kv, id), PRINTF('%08.3f/%x/%X/%o', CAST(id AS DOUBLE) / 3, n, id * 300, id),
  PRINTF('%2$s-%1$s %b %,d', s, csv, id > 3, n), PRINTF(csv, id),
  REGEXP_COUNT(s, '[a-z]'), REGEXP_INSTR(s, '[0-9]+|o'), REGEXP_SUBSTR(s, '[0-9]+'), REGEXP_COUNT(s, '('),
  REGEXP_EXTRACT_ALL(s, '([a-z]+)([0-9]*)'), REGEXP_EXTRACT_ALL(s, '([a-z]+)([0-9]*)', 0),
  SPLIT(csv, ','), SPLIT(kv, ''), CARDINALITY(SPLIT(csv, '::')),
  STR_TO_MAP(kv)['a'], STR_TO_MAP(kv)['x'], STR_TO_MAP(kv)['y'], STR_TO_MAP(kv)['c'],
  STR_TO_MAP(kv, ';', ':')['k2'], CARDINALITY(STR_TO_MAP(kv)), STR_TO_MAP(kv)['']
FROM fn_text;
