-- topic pizzas: file=pizza.json partitions=3 key=shop timestamp=orderTimestamp
-- topic pizza_stream_out_agg: partitions=1
-- result: upsert-topic pizza_stream_out_agg
-- seed 004, application 02-aggregating, into upsert-kafka. Flink refuses the seed's
-- `id INT PRIMARY KEY` ("Flink doesn't support ENFORCED mode"), so NOT ENFORCED is added,
-- with the broker and the bounded mode.
SET 'table.local-time-zone' = 'UTC';
SET 'table.exec.sink.upsert-materialize' = 'NONE';
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
CREATE TABLE pizzas_aggs (
    id INT PRIMARY KEY NOT ENFORCED,
    name VARCHAR,
    nr_bad_items BIGINT,
    toppings VARCHAR,
    orderTimestamp TIMESTAMP(3)
) WITH (
   'connector' = 'upsert-kafka',
   'properties.bootstrap.servers' = '${KAFKA}',
   'topic' = 'pizza_stream_out_agg',
   'value.format' = 'json',
   'key.format' = 'json'
);
insert into pizzas_aggs
        select
            id,
            name,
            count(*) nr_bad_items,
            LISTAGG(c.topping) list_bad_items,
            orderTimestamp
        from pizza_source
        cross join UNNEST(pizzas) b
        cross join UNNEST(b.additionalToppings) as c(topping)
        where c.topping in ('🍍 pineapple', '🍓 strawberry','🍌 banana')
        group by id, name, orderTimestamp
        having count(*) > 3;
