-- correlated scalar subqueries: an aggregate grouped by the correlation column and LEFT JOINed; a bare COUNT gives 0 where nothing matches
CREATE TABLE l (id INT, name STRING, city STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_left.json', 'format' = 'json');
CREATE TABLE r (name STRING, city STRING, amount INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${DATA}/setops_right.json', 'format' = 'json');
CREATE TABLE out_t (id INT, name STRING, max_amount INT, n_match BIGINT, tags STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, name,
  (SELECT MAX(amount) FROM r WHERE r.name = l.name) AS max_amount,
  (SELECT COUNT(*) FROM r WHERE r.city = l.city AND r.tag <> 'w') AS n_match,
  (SELECT LISTAGG(tag) FROM r WHERE r.amount = l.amount) AS tags
FROM l;
