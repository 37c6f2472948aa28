-- v['key'] and v[i] on a VARIANT: nested objects and arrays, 1-based indexes, 0, negative and out-of-range indexes, missing keys, indexes from a column, NULL variants
CREATE TABLE objs (id INT, s STRING, k STRING, i INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/variant_objects.json', 'format' = 'json');
CREATE TABLE out_t (id INT, a VARIANT, ab VARIANT, ab1 VARIANT, ab3c VARIANT, arr2 VARIANT, arr0 VARIANT, arrneg VARIANT, arr100 VARIANT, n VARIANT, missing VARIANT, byi VARIANT, t STRING)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, v['a'], v['a']['b'], v['a']['b'][1], v['a']['b'][3]['c'], v['arr'][2], v['arr'][0], v['arr'][-1], v['arr'][100], v['n'], v['missing'],
  v['arr'][i], TYPEOF(v['a'])
FROM (SELECT id, k, i, PARSE_JSON(s) AS v FROM objs);
