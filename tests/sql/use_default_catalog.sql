USE CATALOG default_catalog;
USE default_database;
USE default_catalog.default_database;
CREATE TABLE t (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3');
SELECT COUNT(*) AS n FROM default_catalog.default_database.t;
