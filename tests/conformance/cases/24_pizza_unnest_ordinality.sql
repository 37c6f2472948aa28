-- UNNEST WITH ORDINALITY, array index, CARDINALITY and row field access
CREATE TABLE pizza_source (
    id INT, shop VARCHAR, name VARCHAR, phoneNumber VARCHAR, address VARCHAR,
    pizzas ARRAY <ROW (pizzaName VARCHAR, additionalToppings ARRAY <VARCHAR>)>,
    orderTimestamp TIMESTAMP(3)
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/pizza.json', 'format' = 'json');
CREATE TABLE out_t (id INT, pos INT, pizza STRING, n_toppings INT, first_topping STRING, first_pizza STRING, n_pizzas INT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT id, p.pos, p.pizzaName, CARDINALITY(p.additionalToppings), p.additionalToppings[1],
       pizzas[1].pizzaName, CARDINALITY(pizzas)
FROM pizza_source CROSS JOIN UNNEST(pizzas) WITH ORDINALITY AS p(pizzaName, additionalToppings, pos)
WHERE id < 300;
