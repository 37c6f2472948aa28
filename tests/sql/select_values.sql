SELECT * FROM (VALUES (1, 'one', TRUE), (2, 'two', FALSE), (3, CAST(NULL AS STRING), NULL)) AS t(id, name, flag);
