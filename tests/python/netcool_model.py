"""The Netcool seed's anomaly model, for `crates/sluice/tests/python_seed.rs`.

  netcool_model.py train DIR        trains an IsolationForest (scikit-learn) on generated
                                    alarm features, pickles it to DIR/model.pkl and writes
                                    the seed's DIR/my_module.py, which loads it
  netcool_model.py check DIR ROWS   reads the tableau Sluice printed for the seed's
                                    `SELECT *, is_anomalous(...)`, calls model.predict
                                    directly on each row's features and compares the flag;
                                    prints "<rows> <anomalies>"

The seed passes (atoll_id, alarm_type, alarm_severity) to the model. An IsolationForest
needs numbers, so the SQL maps them the way a user would (the atoll's number, the alarm
type's position in the generator's list, the severity) and the UDF body keeps the seed's
shape.
"""

import os
import pickle
import sys

MODULE = '''from pyflink.table.udf import udf
from pyflink.table import DataTypes
import os
import pickle

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.pkl"), "rb") as f:
    model = pickle.load(f)


@udf(result_type=DataTypes.BOOLEAN())
def is_anomalous(atoll_id, alarm_type, alarm_severity):
    # Apply the trained model to the relevant features
    features = [atoll_id, alarm_type, alarm_severity]
    is_anomalous = model.predict([features])[0] == -1
    return is_anomalous
'''


def train(folder):
    import numpy as np
    from sklearn.ensemble import IsolationForest

    rng = np.random.default_rng(20240818)
    n = 4000
    # Normal operation: every atoll, mostly the first three alarm types at low severity.
    atoll = rng.integers(1, 41, n)
    alarm_type = rng.choice([1, 2, 3, 4, 5], n, p=[0.45, 0.3, 0.17, 0.05, 0.03])
    severity = rng.choice([1, 2, 3, 4, 5], n, p=[0.4, 0.3, 0.2, 0.07, 0.03])
    features = np.column_stack([atoll, alarm_type, severity])
    model = IsolationForest(n_estimators=100, random_state=7).fit(features)
    with open(os.path.join(folder, "model.pkl"), "wb") as f:
        pickle.dump(model, f)
    with open(os.path.join(folder, "my_module.py"), "w") as f:
        f.write(MODULE)


def check(folder, rows_path):
    with open(os.path.join(folder, "model.pkl"), "rb") as f:
        model = pickle.load(f)
    header = None
    rows = anomalies = 0
    with open(rows_path) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None and "is_anomalous" in cells:
                header = cells
                continue
            if header is None or len(cells) != len(header) or cells[0] != "+I":
                continue
            row = dict(zip(header, cells))
            features = [int(row["atoll_id"]), int(row["alarm_type"]), int(row["alarm_severity"])]
            expected = bool(model.predict([features])[0] == -1)
            got = {"TRUE": True, "FALSE": False}.get(row["is_anomalous"].upper())
            if got != expected:
                print("row %s: Sluice says %s, model.predict says %s" % (row, row["is_anomalous"], expected))
                return 1
            rows += 1
            anomalies += expected
    print(rows, anomalies)
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "train" and len(sys.argv) == 3:
        train(sys.argv[2])
    elif command == "check" and len(sys.argv) == 4:
        sys.exit(check(sys.argv[2], sys.argv[3]))
    else:
        print(__doc__)
        sys.exit(2)
