-- A bad per-table idle timeout is rejected where it is written.
CREATE TABLE t (a INT, b STRING)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json', 'scan.watermark.idle-timeout' = '5 fortnights');
