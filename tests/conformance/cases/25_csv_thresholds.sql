-- CSV source with comments and quoting, into a JSON file
CREATE TABLE cpu_thresholds (host STRING, threshold INT)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/cpu_thresholds_header.csv', 'format' = 'csv', 'csv.allow-comments' = 'true');
CREATE TABLE out_t (host STRING, threshold INT, doubled INT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t SELECT host, threshold, threshold * 2 FROM cpu_thresholds;
