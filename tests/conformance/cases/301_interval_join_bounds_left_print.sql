-- an interval LEFT join with both sides from one file in event-time order (no row is late, so Flink's
-- rows do not depend on when its watermarks come): rows exactly 5 s apart meet, 1 ms further do not
SET 'table.optimizer.source.predicate-pushdown-enabled' = 'false';
CREATE TABLE events (side STRING, id INT, k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/interval_bounds.json', 'format' = 'json');
CREATE VIEW lv AS SELECT id, k, ts FROM events WHERE side = 'L';
CREATE VIEW rv AS SELECT id, k, ts FROM events WHERE side = 'R';
CREATE TABLE out_t (l_id INT, r_id INT, l_ts TIMESTAMP(3), r_ts TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT lv.id, rv.id, CAST(lv.ts AS TIMESTAMP(3)), CAST(rv.ts AS TIMESTAMP(3)) FROM lv LEFT JOIN rv
ON lv.k = rv.k AND lv.ts BETWEEN rv.ts - INTERVAL '5' SECOND AND rv.ts + INTERVAL '5' SECOND;
