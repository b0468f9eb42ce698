"""lfbench report --history: the series read from a history database (read-only), the trend charts
with lfbench history check's change points, bad databases refused with one line.

Run: LFBENCH_BIN=build/cli/lfbench /usr/bin/python3 -m pytest -q reports/tests/test_history.py
The databases are made by the binary (lfbench history add) from the compare fixture, with a 20%
step in one cell from run 11 on."""
import copy
import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import lfbench_report as rep  # noqa: E402

LFBENCH = os.environ.get("LFBENCH_BIN")
BASE = HERE.parents[1] / "cli" / "tests" / "fixtures" / "base.json"
STEPPED = "counter/std_mutex/read_pct:0/threads:1"

pytestmark = pytest.mark.skipif(not LFBENCH, reason="needs LFBENCH_BIN (the lfbench binary)")


def write_runs(directory, n=20, step_at=11, step=1.2, seed=1):
    rnd = random.Random(seed)
    base = json.loads(BASE.read_text())
    files = []
    for i in range(1, n + 1):
        doc = copy.deepcopy(base)
        doc["context"]["date"] = f"2026-01-{i:02d}T03:00:00+00:00"
        doc["context"]["lfbench_git_sha"] = f"c{i:02d}"
        run = rnd.gauss(0, 0.01)
        for b in doc["benchmarks"]:
            cell = b["lfbench"]["id"]
            t = (20 if "std_mutex" in cell else 5) * (1 + run + rnd.gauss(0, 0.02))
            if cell == STEPPED and i >= step_at:
                t *= step
            b["real_time"] = b["cpu_time"] = b["lfbench"]["ns_per_op"] = t
        p = directory / f"run{i:02d}.json"
        p.write_text(json.dumps(doc))
        files.append(str(p))
    return files


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    d = tmp_path_factory.mktemp("history")
    files = write_runs(d)
    path = d / "h.db"
    p = subprocess.run([LFBENCH, "history", "add", "--db", str(path), "--branch", "main", *files],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return path


def test_series_are_read_from_the_database(db):
    h = rep.load_history(db)
    assert len(h["runs"]) == 20
    assert len(h["machines"]) == 1
    assert [s["cell"] for s in h["series"]] == sorted(s["cell"] for s in h["series"])
    (stepped,) = [s for s in h["series"] if s["cell"] == STEPPED]
    assert [p["commit"] for p in stepped["points"]] == [f"c{i:02d}" for i in range(1, 21)]
    for p in stepped["points"]:
        assert p["windows"] == 5 and p["low"] <= p["median"] <= p["high"]
    before = sorted(p["median"] for p in stepped["points"][:10])[5]
    after = sorted(p["median"] for p in stepped["points"][10:])[5]
    assert after / before == pytest.approx(1.2, rel=0.05)
    assert rep.load_history(db, branch="other")["series"] == []


def test_check_names_the_step(db):
    doc = rep.history_check(LFBENCH, db)
    assert doc["exit_code"] == 1
    (s,) = [s for s in doc["series"] if s["cell"] == STEPPED]
    (change,) = s["changes"]
    assert (change["commit_before"], change["commit_after"], change["verdict"]) == ("c10", "c11", "slower")


def test_report_draws_a_trend_per_series_with_its_change_points(db, tmp_path):
    out = tmp_path / "report"
    assert rep.main(["--history", str(db), "-o", str(out), "--lfbench", LFBENCH]) == 0
    pngs = sorted(out.glob("history_*.png"))
    assert len(pngs) == 4
    page = (out / "index.html").read_text()
    assert "History" in page and "lfbench history check" in page
    assert "regression: 1 series" in (out / "report.md").read_text()
    recs = json.loads((out / "recommendations.json").read_text())
    assert recs["history"]["exit_code"] == 1
    # The chart of the stepped cell marks its change: a vertical line between c10 and c11.
    h = rep.load_history(db)
    (stepped,) = [s for s in h["series"] if s["cell"] == STEPPED]
    entry = {(s["cell"], s["machine"]): s for s in recs["history"]["series"]}[(STEPPED, stepped["machine"])]
    fig = rep.history_figure(stepped, entry, rep._plt())
    xs = [line.get_xdata()[0] for line in fig.axes[0].lines if len(set(line.get_xdata())) == 1]
    assert 9.5 in xs
    rep._plt().close(fig)


def test_report_with_results_and_history(db, tmp_path):
    out = tmp_path / "both"
    p = subprocess.run([LFBENCH, "report", str(BASE), "--history", str(db), "-o", str(out)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    page = (out / "index.html").read_text()
    assert "Recommendation matrix" in page and "History" in page


def test_the_database_is_opened_read_only(db, tmp_path):
    ro = tmp_path / "ro.db"
    ro.write_bytes(db.read_bytes())
    ro.chmod(0o444)
    before = ro.stat().st_mtime_ns
    assert len(rep.load_history(ro)["runs"]) == 20
    assert ro.stat().st_mtime_ns == before


@pytest.mark.parametrize("damage", ["truncated", "not_sqlite", "foreign", "newer", "missing"])
def test_a_bad_database_is_one_line_exit_2(db, tmp_path, capsys, damage):
    bad = tmp_path / f"{damage}.db"
    if damage == "truncated":
        data = db.read_bytes()
        bad.write_bytes(data[:len(data) // 2])
    elif damage == "not_sqlite":
        bad.write_text(BASE.read_text())
    elif damage == "foreign":
        con = sqlite3.connect(bad)
        con.execute("CREATE TABLE t(x)")
        con.commit()
        con.close()
    elif damage == "newer":
        bad.write_bytes(db.read_bytes())
        con = sqlite3.connect(bad)
        con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        con.commit()
        con.close()
    code = rep.main(["--history", str(bad), "-o", str(tmp_path / "out"), "--lfbench", LFBENCH])
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and str(bad) in err
    assert not (tmp_path / "out").exists()


def test_history_branch_needs_history(tmp_path, capsys):
    assert rep.main([str(BASE), "--history-branch", "main", "-o", str(tmp_path / "o")]) == 2
    assert rep.main(["-o", str(tmp_path / "o")]) == 2
