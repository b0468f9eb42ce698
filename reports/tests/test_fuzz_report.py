"""Fuzzing the report's loader and everything after it: mutated real results files must end in
BadInput (exit 2) or a complete report, never another exception, a non-finite figure in
recommendations.json, or a verdict different from lfbench compare's reader on the same file.

- test_fuzz_regressions_replay: every input once found is replayed (cli/tests/fuzz_regressions/report/)
- test_hypothesis_mutations: a fixed number of hypothesis-driven mutations, on every test run
- test_timed_mutator: the bounded CI stage (ci/fuzz-all sets LFBENCH_FUZZ_SECONDS); a failing input
  is written into cli/tests/fuzz_regressions/report/ and the test fails
"""
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent
FIX = HERE / "fixtures"
REGRESSIONS = HERE.parents[1] / "cli" / "tests" / "fuzz_regressions" / "report"
sys.path.insert(0, str(HERE.parent))
import lfbench_report as rep  # noqa: E402

sys.path.insert(0, str(HERE.parents[1] / "cli" / "tests"))
from json_mutations import mutate_bytes, mutate_doc  # noqa: E402

BYTE_TOKENS = [b"[", b"{", b'"', b"NaN", b"Infinity", b"-", b"9" * 40, b"\\u0000", b"\xff"]

LFBENCH = os.environ.get("LFBENCH_BIN")
# case_suite.json: a --suite file whose questions (context.lfbench_suite) the report answers
SEEDS = [json.loads((FIX / n).read_text()) for n in ("synthetic.json", "real_counter_latency.json", "case_suite.json")]
POOL = [0, -1, 1, 2, 1.5, -0.0, 1e18, 1e19, 2 ** 63, 1e-300, "", "x", "a\nb", "\u00e9", "counter", "fast",
        "iteration", "aggregate", "median", "ns", None, True, False, [], {}, [1, "a"], {"k": 1}, "s" * 300,
        [0.0], {"ok": True, "detail": ""}, {"read_pct": "x"}]


def pipeline(path, charts=False):
    """'rejected' or 'accepted'; raises on anything a user would see as a crash."""
    try:
        doc = rep.load_results(path)
    except rep.BadInput as e:
        assert "\n" not in rep.one_line(e)
        return "rejected"
    recs = rep.recommendations([doc], [str(path)])
    json.dumps(rep.finite({"schema_version": 1, "files": recs}), allow_nan=False)
    blocks = rep._sections([doc], [str(path)], recs)
    envs = [(str(path), rep.environment(doc))]
    rep.to_html(blocks, [], envs)
    rep.to_markdown(blocks, [], envs)
    if charts:
        plt = rep._plt()
        cmap = rep.colours({p for prims in rep.cells(doc).values() for p in prims})
        for scenario in sorted({s for (s, _, _) in rep.cells(doc)})[:2]:
            for fig in rep.figures([doc], scenario, cmap).values():
                plt.close(fig)
    return "accepted"


def mutate(rng, doc):
    """One structure-aware or byte-level mutation; returns JSON text (str) or raw bytes."""
    doc = mutate_doc(rng, doc, POOL, rng.randint(1, 4))
    if rng.random() < 0.2:
        return mutate_bytes(rng, json.dumps(doc).encode(), BYTE_TOKENS, rng.randint(1, 8))
    return json.dumps(doc)


def compare_verdict(path):
    """'rejected' (exit 2) or 'accepted' by lfbench compare reading the file (alone if it is an
    A/B file, else against itself; 4 = accepted, cells inconclusive)."""
    ab = lfbench_file(path.read_bytes()) and "lfbench_ab" in (json.loads(path.read_bytes()).get("context") or {})
    files = [str(path)] if ab else [str(path), str(path)]
    p = subprocess.run([LFBENCH, "compare", *files, "--format", "json"], capture_output=True, timeout=120)
    assert p.returncode in (0, 1, 2, 4), p.stderr
    return "rejected" if p.returncode == 2 else "accepted"


def lfbench_file(data):
    """Whether compare reads data as an lfbench file (where both readers must agree) rather
    than as plain Google Benchmark JSON (compare only)."""
    try:
        doc = json.loads(data)
        return doc["context"]["lfbench_schema_version"] is not None
    except Exception:  # noqa: BLE001
        return False


def save(data):
    REGRESSIONS.mkdir(parents=True, exist_ok=True)
    raw = data if isinstance(data, bytes) else data.encode()
    f = REGRESSIONS / f"crash-{hashlib.sha1(raw).hexdigest()[:16]}.json"
    f.write_bytes(raw)
    return f


def check(data, tmp, charts=False, cross=False):
    f = Path(tmp) / "input.json"
    f.write_bytes(data if isinstance(data, bytes) else data.encode())
    try:
        verdict = pipeline(f, charts)
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"report pipeline crashed: {type(e).__name__}: {e}; input saved as {save(data)}") from e
    if cross and lfbench_file(f.read_bytes()):
        theirs = compare_verdict(f)
        if theirs != verdict:
            raise AssertionError(f"report {verdict} but compare {theirs}; input saved as {save(data)}")
    return verdict


def test_fuzz_regressions_replay(tmp_path):
    for f in sorted(REGRESSIONS.glob("*")) if REGRESSIONS.is_dir() else []:
        check(f.read_bytes(), tmp_path, charts=True, cross=bool(LFBENCH))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(seed=st.integers(0, 2 ** 32 - 1), which=st.sampled_from([0, 1, 2]))
def test_hypothesis_mutations(seed, which):
    with tempfile.TemporaryDirectory() as tmp:
        check(mutate(random.Random(seed), SEEDS[which]), tmp)


@pytest.mark.skipif(not os.environ.get("LFBENCH_FUZZ_SECONDS"), reason="the timed fuzz stage: ci/fuzz-all")
def test_timed_mutator():
    seconds = float(os.environ["LFBENCH_FUZZ_SECONDS"])
    rng = random.Random(int(os.environ.get("LFBENCH_FUZZ_SEED", time.time_ns() % 2 ** 32)))
    start = time.monotonic()
    runs = accepted = crossed = 0
    slowest = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        while time.monotonic() - start < seconds:
            data = mutate(rng, rng.choice(SEEDS))
            t0 = time.monotonic()
            cross = bool(LFBENCH) and runs % 10 == 0
            verdict = check(data, tmp, charts=runs % 50 == 0, cross=cross)
            slowest = max(slowest, time.monotonic() - t0)
            runs += 1
            accepted += verdict == "accepted"
            crossed += cross
    print(f"fuzz report_loader: {runs} inputs in {time.monotonic() - start:.0f} s, 0 crashes "
          f"({accepted} accepted, {crossed} cross-checked against compare, slowest {slowest:.2f} s)")
