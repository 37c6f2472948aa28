-- Flink 2.3: "The field name 'a' at position 4 is repeated."
SELECT OBJECT_UPDATE(OBJECT_OF('c.D', 'a', 1), 'a', 2, 'a', 3);
