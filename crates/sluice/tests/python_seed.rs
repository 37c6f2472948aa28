//! The Netcool seed's anomaly model end to end: a scikit-learn IsolationForest trained on
//! generated alarm features and pickled (`tests/python/netcool_model.py`), the seed's
//! `my_module.py` with its PyFlink decorator, the seed's `REGISTER FUNCTION` and
//! `SELECT *, is_anomalous(...)` over the `alarms` fake data; every row's flag must be what
//! `model.predict` says when Python calls it directly.

mod common;

use std::process::Command;

use common::*;

#[test]
fn the_seed_isolation_forest_flags_every_alarm_as_model_predict_does() {
    let python = test_python();
    let dir = std::env::temp_dir().join(format!("sluice-seed-model-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let model = repo_root().join("tests/python/netcool_model.py");
    let trained = Command::new(&python).arg(&model).arg("train").arg(&dir).output().unwrap();
    assert!(trained.status.success(), "{}", String::from_utf8_lossy(&trained.stderr));

    let script = format!(
        "SET 'python.executable' = '{}';
SET 'python.files' = '{}';
CREATE TABLE alarms (alarm_id STRING, atoll_id STRING, alarm_type STRING, severity INT)
WITH ('connector' = 'fake-data', 'subject' = 'alarms', 'number-of-rows' = '3000');
-- The model's features are numbers: the atoll's number, the alarm type's position in the
-- generator's list, the severity.
CREATE TEMPORARY VIEW netcool_alarms AS
SELECT alarm_id,
    CAST(SUBSTRING(atoll_id FROM 4) AS INT) AS atoll_id,
    CASE alarm_type WHEN 'LinkDown' THEN 1 WHEN 'PowerFailure' THEN 2 WHEN 'HighTemperature' THEN 3
        WHEN 'PacketLoss' THEN 4 ELSE 5 END AS alarm_type,
    severity AS alarm_severity
FROM alarms;

-- Register the Python module containing the UDF definition
REGISTER FUNCTION is_anomalous AS 'my_module.is_anomalous' LANGUAGE PYTHON;

SELECT *,
    is_anomalous(atoll_id, alarm_type, alarm_severity) AS is_anomalous
FROM netcool_alarms;
",
        python.display(),
        dir.join("my_module.py").display()
    );
    let (ok, stdout, stderr) = run_script_in(&dir, "seed.sql", &script);
    assert!(ok, "{stderr}");
    let rows = dir.join("rows.txt");
    std::fs::write(&rows, &stdout).unwrap();
    let check = Command::new(&python).arg(&model).arg("check").arg(&dir).arg(&rows).output().unwrap();
    let report = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(check.status.success(), "{report}{}", String::from_utf8_lossy(&check.stderr));
    let counts: Vec<usize> = report.split_whitespace().map(|n| n.parse().unwrap()).collect();
    assert_eq!(counts[0], 3000, "every alarm is checked: {report}");
    assert!(counts[1] > 0 && counts[1] < 3000, "both flags occur: {report}");
    let _ = std::fs::remove_dir_all(&dir);
}
