-- string and math functions
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (u VARCHAR, l VARCHAR, s VARCHAR, cc VARCHAR, cw VARCHAR, r VARCHAR, re VARCHAR, rr VARCHAR,
  si VARCHAR, pos INT, lp VARCHAR, rp VARCHAR, ic VARCHAR, tr VARCHAR,
  a DOUBLE, rd DOUBLE, fl DOUBLE, ce DOUBLE, pw DOUBLE, sq DOUBLE, lnv DOUBLE, lg DOUBLE, ex DOUBLE,
  sn DOUBLE, cs DOUBLE, at2 DOUBLE, rad DOUBLE, deg DOUBLE, md INT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT UPPER(hostname), LOWER(UPPER(cpu)), SUBSTRING(hostname, 2, 3), CONCAT(hostname, '-', cpu),
  CONCAT_WS('/', hostname, cpu, 'x'), REPLACE(hostname, 'p', 'P'),
  REGEXP_EXTRACT(cpu, 'cpu([0-9]+)', 1), REGEXP_REPLACE(hostname, '[aeiou]', '_'),
  SPLIT_INDEX(CONCAT(hostname, ',', cpu), ',', 1), POSITION('p' IN hostname),
  LPAD(cpu, 6, '*'), RPAD(hostname, 9, '.'), INITCAP(hostname), TRIM(BOTH 'd' FROM hostname),
  ABS(usage - 50), ROUND(usage, 1), FLOOR(usage), CEIL(usage), POWER(usage, 2), SQRT(usage),
  LN(usage + 1), LOG10(usage + 1), EXP(usage / 100), SIN(usage), COS(usage), ATAN2(usage, 10),
  RADIANS(usage), DEGREES(usage / 100), MOD(CAST(usage AS INT), 7)
FROM iot_in
WHERE `occurred_at` % 7 = 0;
