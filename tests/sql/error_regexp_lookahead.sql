SELECT REGEXP_EXTRACT('price: 10 USD', '\d+(?= USD)');
