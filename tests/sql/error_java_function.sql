CREATE FUNCTION shout AS 'com.example.udf.Shout';
