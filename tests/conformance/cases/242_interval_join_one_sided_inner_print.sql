-- An interval INNER join whose bound excludes 0 (the left row 3 s to 10 s after the right one, watermark 5 s behind
-- the row time): a left row ahead of the watermark is still not cached when the watermark is at its time - 3 s, so a
-- right row arriving later does not meet it; 1 ms further it is cached and met. Filler rows make the order
-- in which Flink's join reads its two inputs fixed (see interval_one_sided in gen_data.py); they are left out.
SET 'table.optimizer.source.predicate-pushdown-enabled' = 'false';
CREATE TABLE events (side STRING, id INT, k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/interval_one_sided.json', 'format' = 'json');
CREATE VIEW lv AS SELECT id, k, ts FROM events WHERE side = 'L';
CREATE VIEW rv AS SELECT id, k, ts FROM events WHERE side = 'R';
CREATE TABLE out_t (l_id INT, l_k STRING, r_id INT, r_k STRING, l_ts TIMESTAMP(3), r_ts TIMESTAMP(3))
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT lv.id, lv.k, rv.id, rv.k, CAST(lv.ts AS TIMESTAMP(3)), CAST(rv.ts AS TIMESTAMP(3))
FROM lv INNER JOIN rv ON lv.k = rv.k AND lv.ts BETWEEN rv.ts + INTERVAL '3' SECOND AND rv.ts + INTERVAL '10' SECOND
WHERE COALESCE(lv.k, rv.k) NOT IN ('zl', 'zr');
