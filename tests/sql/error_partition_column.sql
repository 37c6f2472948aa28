CREATE TABLE parts (hostname STRING, usage DOUBLE, dt STRING) PARTITIONED BY (dy)
WITH ('connector' = 'filesystem', 'path' = '/tmp/sluice-never-written', 'format' = 'json');
