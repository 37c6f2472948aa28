USE CATALOG hive_catalog;
