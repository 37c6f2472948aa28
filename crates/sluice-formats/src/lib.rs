//! Record formats: json, csv and the row text of Flink's print connector.
