CREATE TABLE base (k STRING, n INT, PRIMARY KEY (k) NOT ENFORCED)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE derived (n BIGINT) WITH ('path' = 'data/other.json') LIKE base;
