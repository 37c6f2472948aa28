-- Two INSERTs as one job, a view, DROP, and SHOW TABLES.
CREATE TABLE src (id INT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '5', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '5', 'fields.name.length' = '4');
CREATE VIEW evens AS SELECT id, 'even' AS kind FROM src WHERE MOD(id, 2) = 0;
CREATE TABLE a (id INT, kind STRING) WITH ('connector' = 'print', 'print-identifier' = 'a');
CREATE TABLE b (id INT, doubled INT) WITH ('connector' = 'print', 'print-identifier' = 'b');
SHOW TABLES;
EXECUTE STATEMENT SET BEGIN
  INSERT INTO a SELECT * FROM evens;
  INSERT INTO b SELECT id, id * 2 FROM src WHERE id > 3;
END;
DROP VIEW evens;
