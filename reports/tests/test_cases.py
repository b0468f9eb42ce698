"""Issue 31: a results file of `lfbench run --suite` carries its case study's questions
(context.lfbench_suite); the report answers each in one sentence with its table and chart, or says
why it cannot (unanswerable, more CPUs than the file's, cells not measured, failed or underpaced),
in index.html, report.md and recommendations.json, and says on stderr what it draws.

Fixture: fixtures/case_suite.json (fixtures/make_case_fixtures.py says what each cell holds).
Run: /usr/bin/python3 -m pytest -q reports/tests/test_cases.py
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIX = HERE / "fixtures"
sys.path.insert(0, str(HERE.parent))
import lfbench_report as rep  # noqa: E402

SCRIPT = HERE.parent / "lfbench_report.py"


@pytest.fixture(scope="module")
def case_doc():
    return rep.load_results(FIX / "case_suite.json")


@pytest.fixture(scope="module")
def answered(case_doc):
    return {a["id"]: a for a in rep.answers(case_doc)}


def edited(doc, edit):
    """A deep copy of doc after edit(copy)."""
    d = json.loads(json.dumps(doc))
    edit(d)
    return d


def test_every_question_is_answered_or_says_why_in_order(case_doc, answered):
    ids = [q["id"] for q in case_doc["context"]["lfbench_suite"]["questions"]]
    assert [a["id"] for a in rep.answers(case_doc)] == ids
    for a in answered.values():
        assert a["answer"] and "\n" not in a["answer"] and a["answer"].endswith("."), a
        assert a["answered"] or a["answer"].startswith(("Not answered: ", "Cannot be answered", "lfbench cannot answer"))


def test_a_ratio_question_is_one_sentence_with_the_cases_guess(answered):
    a = answered["counter-ratio"]
    assert a["answered"]
    assert a["answer"] == ("counter (read_pct=0): atomic_relaxed vs std_mutex: 2.40× faster at 1 thread, "
                           "2.20× at 2 threads, 2.67× at 8 threads — the case guessed ~4×.")
    assert a["table"][0][0] == "cell" and [r[4] for r in a["table"][1:]] == ["2.40× faster", "2.20× faster", "2.67× faster"]
    assert a["chart"]["relative"] == "std_mutex" and a["chart"]["x"] == "threads"


def test_a_ratio_of_latencies_says_lower_in_time_units(answered):
    a = answered["broker-p99"]
    assert a["answer"] == "broker (delivery=pull): mpmc_ring vs mutex_deque (delivery latency p99): 38× lower at 2 threads."
    (row,) = a["table"][1:]
    assert row[1] == "3 ms" and row[3] == "80 µs"


def test_a_best_question_names_the_winner_and_its_margin_per_cell(answered):
    a = answered["counter-best"]
    assert a["answer"] == ("best throughput in counter: a tie (atomic_relaxed ≈ atomic_seq_cst) at 1 thread (1.01×), "
                           "striped_counter at 2 threads and 8 threads (by 2.05–3.75× over the runner-up).")
    assert [r[2] for r in a["table"][1:]] == ["atomic_relaxed", "striped_counter", "striped_counter"]
    assert [r[7] for r in a["table"][1:]] == ["tie", "significant", "significant"]


def test_a_best_question_along_a_parameter_groups_its_values(case_doc):
    def add(d):
        d["context"]["lfbench_suite"]["questions"] = [
            {"id": "b", "text": "best snapshot per update rate?", "kind": "best", "scenario": "cow",
             "where": {"entries": "16"}, "along": "updates_per_sec", "baseline": "shared_mutex_snapshot", "primitives": []}]
    (a,) = rep.answers(edited(case_doc, add))
    assert a["answer"] == ("best throughput in cow (entries=16): urcu_qsbr_snapshot at updates_per_sec=0–1000 "
                           "(by 2.50–3.00× over the runner-up).")


def test_a_crossover_question_says_where_the_lead_changes_and_which_cell_was_left_out(answered):
    a = answered["cow-crossover"]
    assert a["answered"]
    assert "at entries=4096: urcu_qsbr_snapshot leads up to updates_per_sec=100, shared_mutex_snapshot from " \
           "updates_per_sec=1000" in a["answer"]
    assert "at entries=16: urcu_qsbr_snapshot leads at every updates_per_sec measured (0–1000" in a["answer"]
    assert "the case guessed updates_per_sec≈10" in a["answer"]
    # the underpaced cell is out of its own cell only, named with its reason
    assert a["answer"].endswith("; left out — underpaced (its paced thread made fewer than 10 events in a window): "
                                "urcu_qsbr_snapshot at entries=4096, updates_per_sec=10.")
    assert a["chart"]["x"] == "updates_per_sec" and a["chart"]["relative"] == "shared_mutex_snapshot"


def test_a_scaling_question_compares_each_thread_count_with_linear(answered):
    a = answered["counter-scaling"]
    assert "striped_counter: 1.80× its 1-thread throughput at 2 threads (90% of linear), 3.00× at 8* (38% of linear)" \
        in a["answer"]
    assert "atomic_relaxed: 0.46× its 1-thread throughput at 2 threads (23% of linear)" in a["answer"]
    assert "* beyond this machine's 2 logical CPUs: oversubscribed" in a["answer"]
    assert ["striped_counter", "—", "8", "150 Mops/s", "400 Mops/s", "38%"] in a["table"]


def test_a_scaling_question_without_a_one_thread_cell_says_so(case_doc):
    def drop(d):
        d["benchmarks"] = [b for b in d["benchmarks"] if b["lfbench"]["threads"] != 1]
    a = next(a for a in rep.answers(edited(case_doc, drop)) if a["id"] == "counter-scaling")
    assert not a["answered"] and "1-thread cell" in a["answer"] and "striped_counter" in a["answer"]


def test_a_metric_question_gives_the_value_per_cell(answered):
    a = answered["cow-bytes"]
    assert a["answer"].startswith("writer: bytes copied/s in cow (entries=4096): urcu_qsbr_snapshot from 0/s "
                                  "(updates_per_sec=0) to 32.8 M/s (updates_per_sec=1000)")
    assert ["updates_per_sec=100", "urcu_qsbr_snapshot", "3.28 M/s"] in a["table"]
    allocs = answered["broker-allocs"]
    assert allocs["answer"] == ("allocations per message in broker: cursor_ring 0 at 2 threads, delivery=cursor; "
                                "mpmc_ring 1 in all 2 cells; mutex_deque 2 in all 2 cells.")


def test_a_correctness_question_reports_the_oracle_catching_the_broken_ring(answered):
    a = answered["ring-oracle"]
    assert a["answered"] and a["chart"] is None
    assert a["answer"] == ("verification in queue: seed_ring, known broken, was caught by its oracle in the cell "
                           "(first: consumer read slot 17 before its item was stored).")
    assert a["table"][1][3] == "FAILED in 5 of 5: consumer read slot 17 before its item was stored"


def test_a_correctness_question_says_when_the_oracle_missed(case_doc):
    def passes_at_4(d):  # the broken ring again at 4 threads, where its oracle caught nothing
        extra = []
        for b in d["benchmarks"]:
            if b["lfbench"]["primitive"] == "seed_ring":
                c = json.loads(json.dumps(b))
                c["lfbench"].update(threads=4, id=c["lfbench"]["id"] + "-4", verification={"ok": True, "detail": ""},
                                    flags=["known_broken"])
                extra.append(c)
        d["benchmarks"] += extra
    a = next(a for a in rep.answers(edited(case_doc, passes_at_4)) if a["id"] == "ring-oracle")
    assert "seed_ring, known broken, was caught in 1 of 2 cells and MISSED at 4 threads" in a["answer"]


def test_an_unanswerable_question_gives_its_why(answered):
    a = answered["hidden-locks"]
    assert not a["answered"] and a["table"] is None and a["chart"] is None
    assert a["answer"] == ("lfbench cannot answer this: a microbenchmark measures the primitives it is given; finding "
                           "locks inside a program's dependencies needs a profiler on that program.")


def test_needs_more_cpus_than_the_file_has_gives_the_reason(answered):
    a = answered["shards-8cpu"]
    assert not a["answered"]
    assert a["answer"] == "Cannot be answered on this machine: needs 8 CPUs for sharding to pay; this machine has 2."
    assert a["note"].startswith("Measured here anyway, not the answer: counter: striped_counter vs std_mutex:")


def test_cells_not_measured_are_named(answered):
    assert answered["label-store"]["answer"] == ("Not answered: no map cell with read_pct=50 was measured in this file "
                                                 "(the run did not include it, or stopped first).")
    assert answered["ticket"]["answer"] == "Not answered: ticket_lock was not measured in counter."


def test_cells_that_all_failed_or_were_underpaced_are_named_with_their_reason(case_doc):
    def spoil(d):
        for b in d["benchmarks"]:
            lf = b["lfbench"]
            if lf["primitive"] == "urcu_qsbr_snapshot":
                lf["flags"] = ["underpaced"]
            if lf["primitive"] == "atomic_relaxed":
                lf["verification"] = {"ok": False, "detail": "total 41 != increments 42"}
    got = {a["id"]: a for a in rep.answers(edited(case_doc, spoil))}
    a = got["cow-bytes"]
    assert not a["answered"] and a["answer"].startswith("Not answered: no cell of cow (entries=4096) can be used — ")
    assert "can be used — underpaced (its paced thread made fewer than 10 events in a window): " \
           "urcu_qsbr_snapshot at updates_per_sec=0, urcu_qsbr_snapshot at updates_per_sec=10" in a["answer"]
    r = got["counter-ratio"]
    assert not r["answered"] and "failed verification (total 41 != increments 42): atomic_relaxed at 1 thread" in r["answer"]


def test_recommendations_list_the_cases(case_doc):
    (rec,) = rep.recommendations([case_doc], ["case_suite.json"])
    cases = rec["cases"]
    assert [c["id"] for c in cases][:2] == ["counter-ratio", "counter-scaling"]
    assert set(cases[0]) == {"case", "suite", "id", "text", "kind", "answer", "answered"}
    assert cases[0]["case"] == "000" and cases[0]["answered"] is True
    assert next(c for c in cases if c["id"] == "hidden-locks")["answered"] is False


def test_a_file_without_a_suite_has_no_case_section():
    doc = rep.load_results(FIX / "synthetic.json")
    assert rep.answers(doc) == [] and rep.case_blocks(doc, []) == []
    assert rep.recommendations([doc], ["x"])[0]["cases"] == []


def test_the_case_sections_text_is_escaped_in_markdown(case_doc):
    hostile = "<script>alert(1)</script>|cell|\n# heading"

    def add(d):
        d["context"]["lfbench_suite"]["purpose"] = hostile
        d["context"]["lfbench_suite"]["questions"] = [{"id": "x", "text": hostile, "kind": "unanswerable", "why": hostile}]
    doc = edited(case_doc, add)
    md = rep.to_markdown(rep.case_blocks(doc, rep.answers(doc)), [], [])
    assert "<script>" not in md and "## Case 000: &lt;script&gt;alert(1)&lt;/script&gt;\\|cell\\|" in md
    assert "### 1\\. &lt;script&gt;" in md and "lfbench cannot answer this: &lt;script&gt;" in md
    assert not re.search(r"^# heading", md, re.M)


def small_case_file(tmp_path):
    """case_suite.json trimmed to its counter and queue cells and their questions (a fast report)."""
    def trim(d):
        d["benchmarks"] = [b for b in d["benchmarks"] if b["lfbench"]["scenario"] in ("counter", "queue")]
        d["context"]["lfbench_suite"]["questions"] = [q for q in d["context"]["lfbench_suite"]["questions"]
                                                      if q.get("scenario") in ("counter", "queue", None)]
    f = tmp_path / "case.json"
    f.write_text(json.dumps(edited(json.loads((FIX / "case_suite.json").read_text()), trim)))
    return f


def test_the_report_writes_the_case_section_and_says_what_it_draws(tmp_path):
    f = small_case_file(tmp_path)
    p = subprocess.run([sys.executable, str(SCRIPT), str(f), "-o", str(tmp_path / "out")], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    # progress on stderr: one line per case section and scenario, each with its chart count
    lines = p.stderr.strip().splitlines()
    assert lines[0] == "report: drawing case 000 (7 questions, 4 charts)..."
    assert re.fullmatch(r"report: drawing counter \(\d+ charts\)\.\.\.", lines[1]), lines
    assert re.fullmatch(r"report: drawing queue \(\d+ charts?\)\.\.\.", lines[2]), lines
    out = tmp_path / "out"
    md = (out / "report.md").read_text()
    html = (out / "index.html").read_text()
    head = "## Case 000: a dev-tool daemon: counters, snapshots, a broker and a log ring"
    assert head in md and md.index(head) < md.index("## Recommendation matrix")
    assert "### 1\\. Is an atomic counter \\~4x faster than a mutex-protected one?" in md
    assert "2.40× faster at 1 thread, 2.20× at 2 threads" in md
    assert "![case-000-counter-ratio](case-000-counter-ratio.png)" in md and (out / "case-000-counter-ratio.png").is_file()
    assert "Cannot be answered on this machine: needs 8 CPUs for sharding to pay; this machine has 2." in md
    assert "<h2>Case 000: a dev-tool daemon" in html and "alt='case-000-counter-ratio'" in html
    assert html.count("<img ") == len(list(out.glob("*.png")))  # every chart once, embedded
    recs = json.loads((out / "recommendations.json").read_text())
    assert [(c["id"], c["answered"]) for c in recs["cases"]] == [
        ("counter-ratio", True), ("counter-scaling", True), ("counter-best", True), ("shards-8cpu", False),
        ("ring-oracle", True), ("hidden-locks", False), ("ticket", False)]
    assert recs["cases"][0]["answer"].startswith("counter (read_pct=0): atomic_relaxed vs std_mutex: 2.40× faster")


def test_progress_lines_go_to_stderr_only(capsys, tmp_path):
    rep.progress("drawing counter (6 charts)...")
    captured = capsys.readouterr()
    assert captured.err == "report: drawing counter (6 charts)...\n" and captured.out == ""


def test_the_schema_describes_the_suites_questions(case_doc):
    import jsonschema
    sch = rep.schema()
    q = sch["properties"]["context"]["properties"]["lfbench_suite"]["properties"]["questions"]["items"]["properties"]
    assert {"scenario", "where", "baseline", "primitives", "along", "measure", "guess", "needs_cpus", "why"} <= set(q)
    bad = edited(case_doc, lambda d: d["context"]["lfbench_suite"]["questions"][0].update(needs_cpus="eight"))
    assert list(jsonschema.Draft202012Validator(sch).iter_errors(bad))


def test_where_may_name_threads_and_values_match_as_text(case_doc):
    def ask(d):
        d["context"]["lfbench_suite"]["questions"] = [
            {"id": "r2", "text": "at 2 threads?", "kind": "ratio", "scenario": "counter",
             "where": {"read_pct": "0", "threads": "2"}, "baseline": "std_mutex", "primitives": ["atomic_relaxed", "atomic_seq_cst"]}]
    (a,) = rep.answers(edited(case_doc, ask))
    assert a["answer"] == ("counter (read_pct=0, threads=2): atomic_relaxed vs std_mutex: 2.20× faster at 2 threads; "
                           "atomic_seq_cst vs std_mutex: 2.15× faster at 2 threads.")
