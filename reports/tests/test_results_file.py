"""Every kind of results file lfbench writes validates against reports/results.schema.json, and
Google Benchmark's own compare.py reads lfbench files."""
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "reports" / "results.schema.json").read_text())
LFBENCH = os.environ.get("LFBENCH_BIN", "lfbench")
COMPARE_PY = "/usr/share/benchmark/compare.py"


def lfbench(*args, cwd, check=True):
    p = subprocess.run([LFBENCH, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"lfbench {' '.join(args)} -> {p.returncode}\n{p.stderr}")
    return p


def validate(path):
    doc = json.loads(Path(path).read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    return doc


SMALL = ["--duration", "10ms", "--repetitions", "2", "--warmup", "0s", "--quiet"]


class ResultsFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_schema_is_a_valid_schema(self):
        jsonschema.Draft202012Validator.check_schema(SCHEMA)

    def test_plain_run_validates(self):
        lfbench("run", "counter", "--threads", "1,2", *SMALL, "-o", "plain.json", cwd=self.dir)
        doc = validate(self.dir / "plain.json")
        self.assertTrue(all("lfbench" in e for e in doc["benchmarks"]))
        self.assertNotIn("latency_ns", doc["benchmarks"][0]["lfbench"])

    def test_latency_run_validates_and_has_percentiles(self):
        lfbench("run", "counter", "--primitive", "std_mutex", "--threads", "2", "--latency", *SMALL,
                "-o", "latency.json", cwd=self.dir)
        doc = validate(self.dir / "latency.json")
        lat = doc["benchmarks"][0]["lfbench"]["latency_ns"]
        self.assertGreater(lat["samples"], 0)
        # Percentiles below the timer's resolution are null and named; the rest are ordered.
        named = [q for q in ("p50", "p90", "p99", "p999", "max") if lat[q] is None]
        self.assertEqual(named, lat["below_resolution"])
        values = [lat[q] for q in ("p50", "p90", "p99", "p999", "max") if lat[q] is not None]
        self.assertEqual(values, sorted(values))
        self.assertGreater(lat["resolution_ns"], 0)

    def test_every_quick_suite_scenario_validates(self):
        lfbench("run", "--suite", "quick", *SMALL, "-o", "quick.json", cwd=self.dir)
        doc = validate(self.dir / "quick.json")
        scenarios = {e["lfbench"]["scenario"] for e in doc["benchmarks"]}
        self.assertIn("counter", scenarios)
        self.assertIn("empty", scenarios)

    def test_context_declares_the_scenarios_of_the_run_for_the_report(self):
        declared = {}
        for scenario, prim in (("counter", "std_mutex"), ("queue", "mutex_deque")):
            lfbench("run", scenario, "--primitive", prim, "--threads", "2", *SMALL, "-o", f"{scenario}-declared.json",
                    cwd=self.dir)
            got = validate(self.dir / f"{scenario}-declared.json")["context"]["lfbench_scenarios"]
            self.assertEqual(set(got), {scenario})  # the scenarios it ran, no others
            declared.update(got)
        self.assertEqual(declared["counter"]["baselines"], ["std_mutex"])
        self.assertIn(["op:add", "increments/s"], declared["counter"]["measures"])
        self.assertEqual((declared["counter"]["roles"], declared["queue"]["roles"]), (False, True))

    def test_interrupted_run_validates(self):
        p = subprocess.Popen([LFBENCH, "run", "counter", "--threads", "1", "--param", "read_pct=0",
                              "--duration", "100ms", "--repetitions", "2", "--warmup", "0s", "--quiet",
                              "-o", "interrupted.json"], cwd=self.dir, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 130, err)
        doc = validate(self.dir / "interrupted.json")
        self.assertTrue(doc["context"]["lfbench_incomplete"])

    def test_schema_rejects_an_entry_without_lfbench_fields(self):
        lfbench("run", "empty", "--threads", "1", *SMALL, "-o", "empty.json", cwd=self.dir)
        doc = validate(self.dir / "empty.json")
        del doc["benchmarks"][0]["lfbench"]["verification"]
        with self.assertRaises(jsonschema.ValidationError):
            jsonschema.Draft202012Validator(SCHEMA).validate(doc)

    def test_names_do_not_depend_on_repetitions_and_threads_is_the_cells(self):
        lfbench("run", "counter", "--primitive", "std_mutex", "--threads", "1,2", "--param", "read_pct=0",
                "--duration", "10ms", "--repetitions", "3", "--warmup", "0s", "--quiet", "-o", "names.json",
                cwd=self.dir)
        doc = validate(self.dir / "names.json")
        for e in doc["benchmarks"]:
            lf = e["lfbench"]
            self.assertEqual(e["run_name"], lf["id"])
            suffix = "_" + e["aggregate_name"] if e["run_type"] == "aggregate" else ""
            self.assertEqual(e["name"], lf["id"] + suffix)
            self.assertEqual(e["threads"], lf["threads"])
        self.assertEqual({e["threads"] for e in doc["benchmarks"]}, {1, 2})

    @unittest.skipUnless(Path(COMPARE_PY).exists(), "libbenchmark-tools not installed")
    def test_google_benchmark_compare_py_matches_files_with_different_repetitions(self):
        for name, reps in (("a.json", "3"), ("b.json", "2")):
            lfbench("run", "counter", "--primitive", "atomic_*", "--threads", "1", "--param", "read_pct=0",
                    "--duration", "10ms", "--repetitions", reps, "--warmup", "0s", "--quiet", "-o", name,
                    cwd=self.dir)
        p = subprocess.run(["/usr/bin/python3", COMPARE_PY, "--no-color", "benchmarks", "a.json", "b.json"],
                           cwd=self.dir, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        # compare.py prints a row only for names found in both files; the medians are matched.
        for prim in ("atomic_relaxed", "atomic_seq_cst"):
            self.assertIn(f"counter/{prim}/read_pct:0/threads:1_median ", p.stdout)
        self.assertNotIn("repeats:", p.stdout)

    def test_gab_format_has_one_entry_per_cell(self):
        p = lfbench("run", "counter", "--primitive", "std_mutex,atomic_relaxed", "--threads", "1,2",
                    "--param", "read_pct=0", *SMALL, "-o", "-", "--format", "gab", cwd=self.dir)
        entries = json.loads(p.stdout)
        self.assertEqual(sorted(e["name"] for e in entries),
                         sorted(f"counter/{prim}/read_pct:0/threads:{t}"
                                for prim in ("std_mutex", "atomic_relaxed") for t in (1, 2)))
        for e in entries:
            self.assertEqual(e["unit"], "ns/op")
            self.assertGreater(e["value"], 0)
            self.assertTrue(e["range"].startswith("\u00b1 "), e)
            self.assertIn("threads: ", e["extra"])

    def test_progress_bar_is_erased_before_the_table(self):
        # The bar is drawn only on a terminal: stderr is a pseudo-terminal here.
        import pty
        master, slave = pty.openpty()
        try:
            p = subprocess.Popen([LFBENCH, "run", "counter", "--primitive", "std_mutex", "--threads", "1",
                                  "--param", "read_pct=0", "--duration", "10ms", "--repetitions", "2",
                                  "--warmup", "0s", "-o", "bar.json", "--force"],
                                 cwd=self.dir, stdout=subprocess.PIPE, stderr=slave)
            os.close(slave)
            err = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                err += chunk
            out, _ = p.communicate(timeout=120)
        finally:
            os.close(master)
        self.assertEqual(p.returncode, 0, err)
        last_bar = err.rfind(b" so far  ETA ")
        self.assertGreaterEqual(last_bar, 0, err)  # the bar was drawn
        self.assertIn(b"\r\x1b[K", err[last_bar:], "the bar's last drawing is never erased")
        self.assertIn(b"scenario", out)


if __name__ == "__main__":
    unittest.main()
