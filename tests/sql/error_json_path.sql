SELECT JSON_VALUE('{"a": 1}', 'a.b'), JSON_QUERY('[1]', '$[0]' WITH WRAPPER);
