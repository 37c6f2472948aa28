-- Flink 2.3: "Cast function cannot convert value of type VARIANT to type VARCHAR(2147483647)"
SELECT CAST(PARSE_JSON('{"a": 1}') AS STRING);
