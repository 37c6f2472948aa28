-- TRY_PARSE_JSON: NULL for text Jackson refuses (bad tokens, trailing commas, leading zeros, NaN, a number followed by letters, empty text) and for repeated keys unless allowed; the last repeated key wins
CREATE TABLE docs (id INT, kind STRING, s STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/variant_docs.json', 'format' = 'json');
CREATE TABLE out_t (id INT, kind STRING, v VARIANT, w VARIANT, x VARIANT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, kind, TRY_PARSE_JSON(s), TRY_PARSE_JSON(s, TRUE), TRY_PARSE_JSON(s, id > 10)
FROM docs;
