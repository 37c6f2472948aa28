-- Unbounded Top-N printed as changelogs: the two largest values per key with their rank
-- (per-rank updates, as Flink's AppendOnlyTopNFunction), and over an updating input (a
-- GROUP BY count, as Flink's RetractableTopNFunction). Both match Flink 2.3's output.
-- One statement set, so both pipelines run in one job and print in a fixed order (two
-- jobs would interleave as their threads run).
CREATE TABLE ranked (k STRING, v INT, rn BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'ranked');
CREATE TABLE counted (k STRING, n BIGINT, rn BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'counted');
EXECUTE STATEMENT SET BEGIN
INSERT INTO ranked SELECT k, v, rn FROM (
  SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn
  FROM (VALUES ('a', 1), ('a', 3), ('b', 5), ('a', 2), ('a', 4), ('b', 4), ('a', 3)) AS t(k, v)
) WHERE rn <= 2;
INSERT INTO counted SELECT k, n, rn FROM (
  SELECT k, n, ROW_NUMBER() OVER (ORDER BY n DESC, k) AS rn
  FROM (SELECT k, COUNT(*) AS n FROM (VALUES ('a'), ('b'), ('b'), ('c'), ('a'), ('c'), ('c')) AS t(k) GROUP BY k)
) WHERE rn <= 2;
END;
