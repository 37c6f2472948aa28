-- Deduplication without a window printed as changelogs: keep the last row per key on
-- processing time (updates), and keep the earliest row per key on event time (rows arrive
-- with falling rowtimes within the watermark delay, so a later row replaces the waiting
-- candidate; each key's row is inserted once the watermark passes it, here at the end).
-- One statement set, so that both pipelines run in one job and print in a fixed order.
CREATE TABLE src (id INT, proc AS PROCTIME(), ts AS TO_TIMESTAMP_LTZ(CAST((10 - id) * 1000 AS BIGINT), 3), WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
WITH ('connector' = 'datagen', 'number-of-rows' = '6', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '6');
CREATE TABLE last_row (k INT, id INT) WITH ('connector' = 'print', 'print-identifier' = 'last');
CREATE TABLE first_row (k INT, id INT, ts TIMESTAMP_LTZ(3)) WITH ('connector' = 'print', 'print-identifier' = 'first');
EXECUTE STATEMENT SET BEGIN
INSERT INTO last_row SELECT k, id FROM (
  SELECT k, id, ROW_NUMBER() OVER (PARTITION BY k ORDER BY proc DESC) AS rn
  FROM (SELECT MOD(id, 2) AS k, id, proc FROM src)
) WHERE rn = 1;
INSERT INTO first_row SELECT k, id, ts FROM (
  SELECT k, id, ts, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts ASC) AS rn
  FROM (SELECT MOD(id, 3) AS k, id, ts FROM src)
) WHERE rn = 1;
END;
