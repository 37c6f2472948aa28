-- The seed's pizza source over Kafka: it parses, and the connector is reported as not built yet.
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
