-- A bad session idle timeout is rejected by SET.
SET 'table.exec.source.idle-timeout' = 'soon';
