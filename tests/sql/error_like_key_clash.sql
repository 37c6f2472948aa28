CREATE TABLE base (k STRING, n INT, PRIMARY KEY (k) NOT ENFORCED)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE derived (PRIMARY KEY (n) NOT ENFORCED) LIKE base (INCLUDING ALL OVERWRITING OPTIONS);
