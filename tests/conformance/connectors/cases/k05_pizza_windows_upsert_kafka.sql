-- topic pizzas: file=pizza.json partitions=3 key=shop timestamp=orderTimestamp
-- topic pizza_stream_out_agg_windows: partitions=1
-- result: upsert-topic pizza_stream_out_agg_windows
-- seed 004, application 03-windowing (only the broker and the bounded mode added).
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
CREATE TABLE pizza_windows (
    window_time TIMESTAMP(3),
    window_start TIMESTAMP(3),
    window_end TIMESTAMP(3),
    topping VARCHAR,
    nr_orders BIGINT,
    PRIMARY KEY(topping, window_start, window_end) NOT ENFORCED
) WITH (
   'connector' = 'upsert-kafka',
   'properties.bootstrap.servers' = '${KAFKA}',
   'topic' = 'pizza_stream_out_agg_windows',
   'value.format' = 'json',
   'key.format' = 'json'
);
insert into pizza_windows
        with raw_data as (
            select orderTimestamp,
                id,
                c.topping
            from pizza_source
                cross join UNNEST(pizzas) b
                cross join UNNEST(b.additionalToppings) as c(topping)
            )
        SELECT window_time,
            window_start,
            window_end,
            topping,
            count(*) nr_orders
        FROM TABLE(TUMBLE(TABLE raw_data, DESCRIPTOR(orderTimestamp), interval '5' seconds))
        where topping in ('🍍 pineapple', '🍓 strawberry','🍌 banana')
        group by window_time,
            topping,
            window_start,
            window_end
        having count(*) > 10;
