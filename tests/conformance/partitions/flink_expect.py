#!/usr/bin/env python3
"""Makes the expected output of the partitioned-table cases with Apache Flink.

Usage: flink_expect.py [CASE.sql ...]   (default: every case in cases/)

Each case runs once on Flink 2.3 through the job runner of the shared oracle
(../../../../shared/flink-oracle/oracle.py, or $FLINK_ORACLE), with ${DATA} the
conformance data folder and ${OUT} a fresh folder. Two files are written into expected/:
  NAME.expected.json  the rows of every JSON file under ${OUT} (or, when the case has a
                      print sink, the rows it printed), as `oracle.py expect` stores them;
  NAME.layout.txt     every folder and file under ${OUT}, one relative path a line,
                      sorted, folders ending in '/', except the part files themselves
                      (`part-<uuid>-...`, whose names are random): the partition
                      folders, success files and anything else left behind.
crates/sluice/tests/conformance_partitions.rs checks Sluice against both.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.environ.get("FLINK_ORACLE") or os.path.join(HERE, "..", "..", "..", "..", "shared", "flink-oracle")
sys.path.insert(0, ORACLE)
import oracle  # noqa: E402

DATA = os.path.join(HERE, "..", "data")


def layout(out_dir):
    """The folder listing a case leaves, part files left out."""
    entries = []
    for root, dirs, files in os.walk(out_dir):
        rel = os.path.relpath(root, out_dir)
        for d in dirs:
            entries.append(os.path.normpath(os.path.join(rel, d)) + "/")
        for f in files:
            if f.startswith("part-"):
                continue
            entries.append(os.path.normpath(os.path.join(rel, f)))
    return sorted(entries)


def run(case):
    work = tempfile.mkdtemp(prefix="partitions-")
    try:
        out_dir = os.path.join(work, "out")
        script = open(case, encoding="utf-8").read()
        script = script.replace("${DATA}", os.path.abspath(DATA)).replace("${OUT}", out_dir)
        rendered = os.path.join(work, "case.sql")
        with open(rendered, "w", encoding="utf-8") as fh:
            fh.write(script)
        job = os.path.join(work, "job.py")
        with open(job, "w") as fh:
            fh.write(oracle.FLINK_JOB)
        python = os.environ.get("FLINK_PYTHON") or subprocess.check_output(
            [os.path.join(ORACLE, "install-flink.sh")], text=True).strip()
        p = subprocess.run([python, job, rendered], capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            lines = [l for l in p.stderr.splitlines() if "Exception:" in l or "rror" in l]
            raise RuntimeError((lines or p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[0][:300])
        # As oracle.py reads a case: a print sink's changelog, or else the JSON files.
        rows = oracle.rows_from_changelog(p.stdout) if "'print'" in script else oracle.rows_from_files(out_dir)
        return rows, layout(out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    cases = sys.argv[1:] or sorted(
        os.path.join(HERE, "cases", c) for c in os.listdir(os.path.join(HERE, "cases")) if c.endswith(".sql"))
    failed = 0
    for case in cases:
        name = os.path.basename(case)[:-4]
        try:
            rows, entries = run(case)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("%-40s flink failed: %s" % (name, e))
            continue
        expected = os.path.join(HERE, "expected", name)
        with open(expected + ".expected.json", "w", encoding="utf-8") as fh:
            json.dump(sorted(([list(r), n] for r, n in rows.items()), key=json.dumps), fh, ensure_ascii=False, indent=0)
        with open(expected + ".layout.txt", "w", encoding="utf-8") as fh:
            fh.write("".join(e + "\n" for e in entries))
        print("%-40s %4d rows, %3d layout entries from flink" % (name, sum(rows.values()), len(entries)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
