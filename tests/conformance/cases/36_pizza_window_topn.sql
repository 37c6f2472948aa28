-- the three most ordered toppings in each 30 second window (window Top-N over a window aggregation)
CREATE TABLE pizza_source (
    id INT, shop VARCHAR, name VARCHAR, phoneNumber VARCHAR, address VARCHAR,
    pizzas ARRAY <ROW (pizzaName VARCHAR, additionalToppings ARRAY <VARCHAR>)>,
    orderTimestamp TIMESTAMP(3),
    WATERMARK FOR orderTimestamp AS orderTimestamp - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/pizza.json', 'format' = 'json');
CREATE TABLE out_t (window_start TIMESTAMP(3), window_end TIMESTAMP(3), topping VARCHAR, nr_orders BIGINT, rn BIGINT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT window_start, window_end, topping, nr_orders, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY nr_orders DESC, topping) AS rn
  FROM (
    SELECT window_start, window_end, c.topping AS topping, COUNT(*) AS nr_orders
    FROM TABLE(TUMBLE(TABLE pizza_source, DESCRIPTOR(orderTimestamp), INTERVAL '30' SECONDS))
      CROSS JOIN UNNEST(pizzas) AS b
      CROSS JOIN UNNEST(b.additionalToppings) AS c(topping)
    GROUP BY window_start, window_end, c.topping
  )
) WHERE rn <= 3;
