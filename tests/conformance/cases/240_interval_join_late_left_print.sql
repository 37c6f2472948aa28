-- An interval LEFT join at its lateness and cleanup bounds (5 s either way, watermark = row time): a row
-- arriving when the watermark is at its time + 5 s is not cached (an outer one is padded at once), 1 ms
-- later it is; a row expires the other side's rows at or before the watermark - 5 s - 1 ms; a cleanup timer
-- at row time + 5 s + 1 ms drops what it expires. Filler rows make the order in which Flink's join reads
-- its two inputs fixed (see interval_late in gen_data.py); they are left out of the output.
SET 'table.optimizer.source.predicate-pushdown-enabled' = 'false';
CREATE TABLE events (side STRING, id INT, k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/interval_late.json', 'format' = 'json');
CREATE VIEW lv AS SELECT id, k, ts FROM events WHERE side = 'L';
CREATE VIEW rv AS SELECT id, k, ts FROM events WHERE side = 'R';
CREATE TABLE out_t (l_id INT, l_k STRING, r_id INT, r_k STRING, l_ts TIMESTAMP(3), r_ts TIMESTAMP(3))
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT lv.id, lv.k, rv.id, rv.k, CAST(lv.ts AS TIMESTAMP(3)), CAST(rv.ts AS TIMESTAMP(3))
FROM lv LEFT JOIN rv ON lv.k = rv.k AND lv.ts BETWEEN rv.ts - INTERVAL '5' SECOND AND rv.ts + INTERVAL '5' SECOND
WHERE COALESCE(lv.k, rv.k) NOT IN ('zl', 'zr');
