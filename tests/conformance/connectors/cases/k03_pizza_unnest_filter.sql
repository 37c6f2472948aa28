-- topic pizzas: file=pizza.json partitions=3 key=shop timestamp=orderTimestamp
-- topic pizza_stream_out_filter: partitions=1
-- result: topic pizza_stream_out_filter
-- seed 004, application 01-basic-filtering: orderTimestamp is the Kafka message
-- timestamp (a metadata column); only the broker and the bounded mode added.
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE pizza_source (
    id INT,
    shop VARCHAR,
    name VARCHAR,
    phoneNumber VARCHAR,
    address VARCHAR,
    pizzas ARRAY <ROW (pizzaName VARCHAR, additionalToppings ARRAY <VARCHAR>)>, orderTimestamp TIMESTAMP(3) METADATA FROM 'timestamp', orderProctime AS PROCTIME(), WATERMARK FOR orderTimestamp AS orderTimestamp - INTERVAL '5' SECOND
) WITH (
    'connector' = 'kafka',
    'properties.bootstrap.servers' = '${KAFKA}',
    'scan.startup.mode' = 'earliest-offset',
    'scan.bounded.mode' = 'latest-offset',
    'topic' = 'pizzas',
    'value.format' = 'json'
);
CREATE TABLE pizza_filtered (
    id INT,
    name VARCHAR,
    topping VARCHAR,
    orderTimestamp TIMESTAMP(3)
) WITH (
    'connector' = 'kafka',
    'properties.bootstrap.servers' = '${KAFKA}',
    'scan.startup.mode' = 'earliest-offset',
    'topic' = 'pizza_stream_out_filter',
    'value.format' = 'json'
);
insert into pizza_filtered
select
    id,
    name,
    c.topping,
    orderTimestamp
from pizza_source
cross join UNNEST(pizzas) b
cross join UNNEST(b.additionalToppings) as c(topping)
where c.topping in ('🍍 pineapple', '🍓 strawberry','🍌 banana');
