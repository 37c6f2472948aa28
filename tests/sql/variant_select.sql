-- A bare SELECT shows a VARIANT as its JSON text and a structured object as (field=value, ...), as Flink's tableau does
SELECT PARSE_JSON('{"b": [1, 2.50, null], "a": "x"}') AS v, TRY_PARSE_JSON('{bad') AS t, PARSE_JSON('{"b": [1, 2.50, null]}')['b'][2] AS e,
  OBJECT_OF('com.example.User', 'name', 'Bob', 'age', 42) AS o, OBJECT_OF('com.example.User', 'name', 'Bob', 'age', 42).name AS n;
