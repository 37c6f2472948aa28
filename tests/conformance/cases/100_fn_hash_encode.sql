-- digests, hex, bin, charsets and CHR over strings with NULLs, unicode and empty text
CREATE TABLE fn_text (
  id INT, s STRING, n BIGINT, url STRING, kv STRING, hx STRING, csv STRING
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/fn_text.json', 'format' = 'json');
CREATE TABLE out_t (id INT, md STRING, s1 STRING, s224 STRING, s256 STRING, s384 STRING, s512 STRING,
  s2 STRING, s2b STRING, hs STRING, hn STRING, hi STRING, bn STRING, bi STRING, uh BYTES, uhs STRING,
  e8 BYTES, e16 BYTES, e16be BYTES, e16le BYTES, ea BYTES, el BYTES, d8 STRING, dl STRING, d16 STRING,
  c1 STRING, c2 STRING, c3 STRING, c4 STRING, tb STRING)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT id, MD5(s), SHA1(s), SHA224(s), SHA256(s), SHA384(s), SHA512(s),
  SHA2(s, 256), SHA2(kv, 512), HEX(s), HEX(n), HEX(id * 1000), BIN(n), BIN(id),
  UNHEX(hx), DECODE(UNHEX(hx), 'UTF-8'),
  ENCODE(s, 'UTF-8'), ENCODE(s, 'UTF-16'), ENCODE(s, 'UTF-16BE'), ENCODE(s, 'UTF-16LE'),
  ENCODE(s, 'US-ASCII'), ENCODE(s, 'ISO-8859-1'),
  DECODE(ENCODE(s, 'UTF-8'), 'UTF-8'), DECODE(ENCODE(s, 'ISO-8859-1'), 'ISO-8859-1'),
  DECODE(ENCODE(s, 'UTF-16'), 'UTF-16'),
  CHR(id + 64), CHR(id * 100 + 65), CHR(id - 3), CHR(CAST(n AS INT)), TO_BASE64(DECODE(UNHEX(hx), 'UTF-8'))
FROM fn_text;
