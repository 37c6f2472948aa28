-- Jobs run on one thread until parallel execution is built: a parallelism above 1 is
-- accepted (Flink scripts set it) but said to be ignored, on stderr and in EXPLAIN.
SET 'parallelism.default' = '4';
CREATE TABLE toppings (
  topping STRING, nr_orders BIGINT
) WITH ('connector' = 'filesystem', 'path' = 'data/pizza_windows.json', 'format' = 'json');
CREATE TABLE sink (topping STRING) WITH ('connector' = 'blackhole');
EXPLAIN INSERT INTO sink SELECT topping FROM toppings;
INSERT INTO sink SELECT topping FROM toppings;
SET 'parallelism.default' = '1';
SET 'table.exec.resource.default-parallelism' = '2';
SELECT topping, nr_orders FROM toppings WHERE nr_orders >= 25;
