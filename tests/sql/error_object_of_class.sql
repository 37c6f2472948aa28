-- Flink 2.3: "Invalid class name 'my class!'. The class name must comply with JVM identifier rules."
SELECT OBJECT_OF('my class!', 'a', 1);
