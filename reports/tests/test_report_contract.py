"""lfbench report against hostile input and interruption: every results file that breaks the
contract (reports/results.schema.json and its x-lfbench-limits) ends in exit 2, one line, nothing
written; a report interrupted or killed leaves no partial directory and no Python process.

Run: LFBENCH_BIN=build/cli/lfbench /usr/bin/python3 -m pytest -q reports/tests/test_report_contract.py
(without LFBENCH_BIN the script is run directly and the process tests are skipped).
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIX = HERE / "fixtures"
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(FIX))
import lfbench_report as rep  # noqa: E402
from complete import complete  # noqa: E402

LFBENCH = os.environ.get("LFBENCH_BIN")
SCRIPT = HERE.parent / "lfbench_report.py"


def report_cmd():
    return [LFBENCH, "report"] if LFBENCH else [sys.executable, str(SCRIPT)]


def run_report(*args, timeout=120):
    return subprocess.run([*report_cmd(), *map(str, args)], capture_output=True, text=True, timeout=timeout)


def synthetic():
    return json.loads((FIX / "synthetic.json").read_text())


def with_real_time(text):
    """synthetic.json as text with the first real_time's value replaced by text."""
    s = json.dumps(synthetic())
    i = s.index('"real_time": ') + len('"real_time": ')
    j = s.index(",", i)
    return s[:i] + text + s[j:]


def mutated(change):
    doc = synthetic()
    change(doc)
    return json.dumps(doc)


def lf0(doc):
    return doc["benchmarks"][0]["lfbench"]


AB = HERE.parents[1] / "cli" / "tests" / "fixtures" / "ab.json"  # lfbench compare's A/B fixture


def ab_mutated(change):
    doc = json.loads(AB.read_text())
    change(doc)
    return json.dumps(doc)


def test_ab_files_and_error_entries_are_read_as_compare_reads_them():
    """An A/B file (both builds of each cell, pair k = repetition k of each) and an entry that is
    an error (a worker that hung before its first window: real_time 0) are results."""
    assert len(rep.load_results(AB)["benchmarks"]) == 64
    doc = synthetic()
    doc["benchmarks"][0].update(real_time=0, error_occurred=True, error_message="hung: no window")
    f = Path(os.environ.get("TMPDIR", "/tmp")) / f"lfbench-error-entry-{os.getpid()}.json"
    try:
        f.write_text(json.dumps(doc))
        assert rep.load_results(f)["benchmarks"][0]["error_occurred"] is True
    finally:
        f.unlink()


BAD = {
    "verification_0": (lambda: mutated(lambda d: lf0(d)["verification"].update(ok=0)), "verification.ok: 0 is not of type 'boolean'"),
    "nan": (lambda: with_real_time("NaN"), "NaN is not a JSON value"),
    "infinity": (lambda: with_real_time("Infinity"), "Infinity is not a JSON value"),
    "minus_infinity": (lambda: with_real_time("-Infinity"), "-Infinity is not a JSON value"),
    "overflow": (lambda: with_real_time("1e999"), "out of range"),
    "digits_400": (lambda: with_real_time("9" * 400), "a number of 400 characters"),
    "digits_5000": (lambda: with_real_time("1" * 5000), "a number of 5000 characters"),
    "depth_1000": (lambda: "[" * 1000 + "]" * 1000, "nested deeper than 32"),
    "depth_50000": (lambda: "[" * 50000 + "]" * 50000, "nested deeper than 32"),
    "depth_40_in_metrics": (lambda: mutated(lambda d: lf0(d).update(metrics={"x": json.loads("[" * 40 + "]" * 40)})),
                            "nested deeper than 32"),
    "host_20mb": (lambda: mutated(lambda d: d["context"].update(lfbench_host="h" * 20_000_000)),
                  "a string of 20000000 bytes"),
    "negative_ops": (lambda: mutated(lambda d: lf0(d).update(ops_per_sec=-5.0)), "-5.0 is less than the minimum of 0"),
    "missing_threads": (lambda: mutated(lambda d: lf0(d).pop("threads")), "'threads' is a required property"),
    "params_list": (lambda: mutated(lambda d: lf0(d)["params"].update(read_pct=[1, 2])), "is not of type"),
    "ops_string": (lambda: mutated(lambda d: lf0(d).update(ops_per_sec="fast")), "is not of type 'number'"),
    "threads_zero": (lambda: mutated(lambda d: lf0(d).update(threads=0)), "less than the minimum of 1"),
    "duplicate_rep": (lambda: mutated(lambda d: d["benchmarks"].append(d["benchmarks"][0])), "duplicate cell"),
    "real_time_0": (lambda: mutated(lambda d: d["benchmarks"][0].update(real_time=0)), "real_time is 0"),
    "build_outside_ab": (lambda: mutated(lambda d: lf0(d).update(build="head")), "outside an A/B file"),
    "ab_unknown_build": (lambda: ab_mutated(lambda d: lf0(d).update(build="other")), "'other' is not a build"),
    "ab_no_build": (lambda: ab_mutated(lambda d: lf0(d).pop("build")), "None is not a build"),
    "ab_duplicate": (lambda: ab_mutated(lambda d: d["benchmarks"][1]["lfbench"].update(build="base")),
                     "of build 'base' repetition 0"),
    "aggregates_only": (lambda: mutated(lambda d: [b.update(run_type="aggregate") for b in d["benchmarks"]]),
                        "empty results"),
    "not_utf8": (lambda: b'{"context": {"lfbench_host": "\xff\xfe"}}', "not UTF-8"),
    "empty_file": (lambda: "", "empty file"),
    "top_list": (lambda: "[1, 2]", "not an lfbench results file"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_results_file_exits_2_one_line_nothing_written(tmp_path, name):
    make, message = BAD[name]
    text = make()
    f = tmp_path / f"{name}.json"
    (f.write_bytes if isinstance(text, bytes) else f.write_text)(text)
    p = run_report(f, "-o", tmp_path / "out")
    assert p.returncode == 2, p.stderr[-2000:]
    assert len(p.stderr.strip().splitlines()) == 1 and len(p.stderr) < 1200, p.stderr[:2000]
    assert str(f) in p.stderr and message in p.stderr, p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == [f.name]


@pytest.mark.parametrize("make, message", [
    (lambda d: os.mkfifo(d / "fifo.json") or d / "fifo.json", "is a FIFO, not a regular file"),
    (lambda d: Path("/dev/zero"), "is a device, not a regular file"),
    (lambda d: d, "is a directory, not a regular file"),
    (lambda d: (d / "huge.json").write_bytes(b"{}") and os.truncate(d / "huge.json", 200 << 20) or d / "huge.json",
     "209715200 bytes is too big"),
])
def test_special_and_huge_files_are_refused_before_reading(tmp_path, make, message):
    f = make(tmp_path)
    before = sorted(x.name for x in tmp_path.iterdir())
    t0 = time.monotonic()
    p = run_report(f, "-o", tmp_path / "out", timeout=60)
    assert p.returncode == 2 and message in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert time.monotonic() - t0 < 60  # liveness: never blocks on a FIFO or reads /dev/zero
    assert sorted(x.name for x in tmp_path.iterdir()) == before


def strict_json(text):
    def no(tok):
        raise ValueError(f"{tok} in recommendations.json")
    return json.loads(text, parse_constant=no)


def test_nothing_written_holds_nan_or_infinity(tmp_path):
    """A runner-up that measured 0 ops/s made an infinite margin, written as bare Infinity."""
    def zero(d):
        for b in d["benchmarks"]:
            if b["lfbench"]["primitive"] == "slow":
                b["lfbench"]["ops_per_sec"] = 0.0
                b["lfbench"]["stats"]["ops_per_sec"]["median"] = 0.0
    f = tmp_path / "zero.json"
    f.write_text(mutated(zero))
    p = run_report(f, "-o", tmp_path / "out")
    assert p.returncode == 0, p.stderr
    recs = strict_json((tmp_path / "out" / "recommendations.json").read_text())
    margins = [c["margin"] for c in recs["files"][0]["cells"] if c["runner_up"] == "slow"]
    assert margins and all(m is None for m in margins)  # documented null, not Infinity


def test_parameters_mixing_integers_and_strings_render(tmp_path):
    def mix(d):
        for b in d["benchmarks"]:
            if b["lfbench"]["params"]["read_pct"] == 50:
                b["lfbench"]["params"]["read_pct"] = "half"
    f = tmp_path / "mixed.json"
    f.write_text(mutated(mix))
    p = run_report(f, "-o", tmp_path / "out")
    assert p.returncode == 0, p.stderr
    strict_json((tmp_path / "out" / "recommendations.json").read_text())


# ---- interruption ----------------------------------------------------------------------------

def slow_input(tmp_path):
    """A results file whose report takes several seconds: many scenarios, each with charts."""
    doc = synthetic()
    benches = []
    for k in range(12):
        for b in doc["benchmarks"]:
            b = json.loads(json.dumps(b))
            lf = b["lfbench"]
            lf["scenario"] = f"s{k}"
            lf["id"] = lf["id"].replace("counter/", f"s{k}/", 1)
            benches.append(b)
    doc["benchmarks"] = benches
    f = tmp_path / "slow.json"
    f.write_text(json.dumps(complete(doc)))
    return f


def wait_for_partial_report(parent, timeout=60):
    """The temporary directory once it holds a chart: the report is mid-way."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for d in parent.glob(".out.lfbench-tmp-*"):
            if any(d.glob("*.png")):
                return d
        time.sleep(0.05)
    raise AssertionError("the report never started writing charts")


def report_processes(marker):
    """Pids of live processes whose command line contains marker (the unique output path)."""
    pids = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                cmd = (p / "cmdline").read_bytes()
                state = (p / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if marker.encode() in cmd and "lfbench_report.py".encode() in cmd and state != "Z":
                pids.append(int(p.name))
    return pids


def blocked_sigint():
    """Started as a harness may start it: SIGINT blocked in the inherited mask (a CI runner
    failed this test so). The report still answers Ctrl-C."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def wait_until(cond, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


@pytest.mark.parametrize("force", [False, True])
def test_interrupted_report_leaves_nothing_or_the_previous_report(tmp_path, force):
    f = slow_input(tmp_path)
    out = tmp_path / "out"
    previous = {}
    if force:
        assert run_report(FIX / "synthetic.json", "-o", out).returncode == 0
        previous = {x.name: x.read_bytes() for x in out.iterdir()}
    p = subprocess.Popen([*report_cmd(), str(f), "-o", str(out), *(["--force"] if force else [])],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                         preexec_fn=blocked_sigint)
    try:
        wait_for_partial_report(tmp_path)
        os.killpg(p.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    assert p.returncode == 130, err
    # one line says so, after the progress lines of what it was drawing
    *drawing, last = err.strip().splitlines()
    assert "interrupted" in last and all(ln.startswith("report: drawing ") for ln in drawing), err
    assert sorted(x.name for x in tmp_path.iterdir()) == sorted(["slow.json"] + (["out"] if force else []))
    if force:
        assert {x.name: x.read_bytes() for x in out.iterdir()} == previous
    assert wait_until(lambda: not report_processes(str(out)))


@pytest.mark.skipif(not LFBENCH, reason="needs LFBENCH_BIN: the parent-death signal is set by lfbench report")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_lfbench_report_leaves_no_python_and_no_directory(tmp_path, sig):
    f = slow_input(tmp_path)
    out = tmp_path / "out"
    p = subprocess.Popen([LFBENCH, "report", str(f), "-o", str(out)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_partial_report(tmp_path)
        assert report_processes(str(out)), "the Python child is not running"
        os.kill(p.pid, sig)  # lfbench report only, not its group
        p.wait(timeout=60)
        assert wait_until(lambda: not report_processes(str(out))), "Python child outlived lfbench report"
        assert wait_until(lambda: sorted(x.name for x in tmp_path.iterdir()) == ["slow.json"]), \
            sorted(x.name for x in tmp_path.iterdir())
    finally:
        for pid in report_processes(str(out)):
            os.kill(pid, signal.SIGKILL)
