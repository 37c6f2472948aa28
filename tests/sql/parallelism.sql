-- A parallelism above 1 runs that many instances of each operator: EXPLAIN shows each
-- node's parallelism and the exchanges (a file source with one file is read by one
-- instance; the GROUP BY is hashed by its key; print needs one writer). A job with
-- checkpoints runs in parallel too (aligned barriers through the exchanges).
SET 'parallelism.default' = '4';
CREATE TABLE toppings (
  topping STRING, nr_orders BIGINT
) WITH ('connector' = 'filesystem', 'path' = 'data/pizza_windows.json', 'format' = 'json');
CREATE TABLE sink (topping STRING) WITH ('connector' = 'blackhole');
CREATE TABLE counts (topping STRING, n BIGINT) WITH ('connector' = 'print');
EXPLAIN INSERT INTO sink SELECT topping FROM toppings;
EXPLAIN INSERT INTO counts SELECT topping, COUNT(*) FROM toppings GROUP BY topping;
INSERT INTO sink SELECT topping FROM toppings;
SET 'parallelism.default' = '1';
SET 'table.exec.resource.default-parallelism' = '2';
SELECT topping, nr_orders FROM toppings WHERE nr_orders >= 25;
SET 'execution.checkpointing.interval' = '10 s';
EXPLAIN INSERT INTO sink SELECT topping FROM toppings;
SET 'execution.checkpointing.interval' = '0 s';
SET 'pipeline.max-parallelism' = '1';
SELECT topping FROM toppings;
