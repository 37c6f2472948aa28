#!/usr/bin/env python3
"""Writes NAME.flink.txt beside each NAME.sql here: the text Apache Flink 2.3 prints for
the script's SHOW CREATE TABLE / SHOW CREATE VIEW statements, one after the other.

Run with PyFlink 2.3 (the oracle's venv: ~/.cache/flink-oracle-venv/bin/python), from any
folder: `make_expected.py [NAME.sql ...]` (all cases when none is given).
crates/sluice/tests/show_create.rs checks that Sluice prints the same text."""
import glob
import os
import sys

from pyflink.table import EnvironmentSettings, TableEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))


def statements(path):
    for s in open(path, encoding="utf-8").read().split(";\n"):
        body = "\n".join(l for l in s.splitlines() if not l.strip().startswith("--")).strip().rstrip(";")
        if body:
            yield body


def main():
    cases = sys.argv[1:] or sorted(glob.glob(os.path.join(HERE, "*.sql")))
    for case in cases:
        t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
        out = []
        for body in statements(case):
            result = t.execute_sql(body)
            if body.upper().startswith("SHOW CREATE"):
                out.extend(row[0] for row in result.collect())
        with open(case[:-4] + ".flink.txt", "w", encoding="utf-8") as fh:
            fh.write("".join(out))
        print("%-40s %d statements printed" % (os.path.basename(case), len(out)))


if __name__ == "__main__":
    main()
