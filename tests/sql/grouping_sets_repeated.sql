SELECT x, COUNT(*) AS n FROM (VALUES (1), (1), (2)) AS t(x) GROUP BY x, GROUPING SETS ((x), ());
