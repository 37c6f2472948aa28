EXPLAIN SELECT region, product, SUM(qty) AS total, GROUPING_ID(region, product) AS gid
FROM (VALUES ('north', 'apples', 3), ('north', 'pears', 5), ('south', 'apples', 7), (CAST(NULL AS STRING), 'pears', 1)) AS t(region, product, qty)
GROUP BY CUBE (region, product);
SELECT region, product, SUM(qty) AS total, GROUPING(region) AS g_region, GROUPING_ID(product, region) AS gid
FROM (VALUES ('north', 'apples', 3), ('north', 'pears', 5), ('south', 'apples', 7), (CAST(NULL AS STRING), 'pears', 1)) AS t(region, product, qty)
GROUP BY ROLLUP (region, product);
SELECT region, COUNT(DISTINCT region) AS regions, MAX(qty) AS top, GROUPING(region) AS g
FROM (VALUES ('north', 3), ('south', 7), ('north', 9)) AS t(region, qty)
GROUP BY GROUPING SETS ((region), ())
HAVING GROUPING(region) = 1 OR MAX(qty) > 8;
