-- The seed's pizza source over Kafka: the DDL is accepted as written (no broker is contacted
-- before a query runs), with the message timestamp as a TIMESTAMP(3) metadata column.
CREATE TABLE pizza_source (
    id INT, shop VARCHAR, name VARCHAR, phoneNumber VARCHAR, address VARCHAR,
    pizzas ARRAY <ROW (pizzaName VARCHAR, additionalToppings ARRAY <VARCHAR>)>,
    orderTimestamp TIMESTAMP(3) METADATA FROM 'timestamp',
    orderProctime AS PROCTIME(),
    WATERMARK FOR orderTimestamp AS orderTimestamp - INTERVAL '5' SECOND
) WITH (
    'connector' = 'kafka',
    'properties.bootstrap.servers' = 'localhost:9092',
    'topic' = 'pizzas',
    'value.format' = 'json',
    'scan.startup.mode' = 'earliest-offset'
);

DESCRIBE pizza_source;
