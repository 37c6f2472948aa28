CREATE TABLE parts (hostname STRING, usage DOUBLE, dt STRING) PARTITIONED BY (dt)
WITH ('connector' = 'filesystem', 'path' = '/tmp/sluice-never-written', 'format' = 'json',
  'sink.partition-commit.policy.kind' = 'metastore,success-file');
