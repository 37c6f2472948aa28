ADD JAR '/opt/flink/usrlib/my-udfs.jar';
