-- A ROW_NUMBER that no filter on the row number makes a Top-N or a deduplication.
SELECT k, v, rn FROM (
  SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v) AS rn FROM (VALUES ('a', 1)) AS t(k, v)
);
