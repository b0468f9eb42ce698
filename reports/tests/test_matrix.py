"""The recommendation matrix (lfreport.stats): minimum effect, disqualification, marks, crossovers
and reversals, on small synthetic results dicts built here."""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import lfbench_report as rep  # noqa: E402


def entry(prim, ops, params=None, threads=2, rep_i=0, flags=(), ok=True, scenario="rwlock"):
    return {"run_type": "iteration", "repetition_index": rep_i, "lfbench": {
        "id": f"{scenario}/{prim}/{params}/{threads}", "scenario": scenario, "primitive": prim,
        "params": dict(params or {}), "threads": threads, "ops_per_sec": ops, "flags": list(flags),
        "verification": {"ok": ok, "detail": "" if ok else "reader saw a torn value"}}}


def doc_of(cells, reps=8):
    """cells: [(prim, median ops/s, params, threads, kwargs)] -> a results dict with `reps`
    repetitions each, spread ±0.1% around the median (tight: a U test separates them)."""
    benches = []
    for prim, ops, params, threads, kw in cells:
        for i in range(reps):
            benches.append(entry(prim, ops * (1 + (i - reps / 2) * 0.0002), params, threads, i, **kw))
    return {"context": {"lfbench_schema_version": 1, "host_name": "h", "date": "2026-01-01"},
            "benchmarks": benches}


def test_a_one_percent_lead_is_a_tie_however_small_p():
    doc = doc_of([("atomic_relaxed", 101e6, {}, 1, {}), ("atomic_seq_cst", 100e6, {}, 1, {})])
    (r,) = rep.matrix(doc)["rows"]
    assert r["p_value"] < 0.01  # the U test alone would call it
    assert r["margin"] < 1.05 and r["verdict"] == "tie" and r["below_min_effect"]
    # ...and the same data with a smaller minimum effect is significant: the threshold decides.
    (r,) = rep.matrix(doc, min_effect=1.005)["rows"]
    assert r["verdict"] == "significant"


def test_a_ten_percent_lead_with_small_p_is_significant():
    (r,) = rep.matrix(doc_of([("a", 110e6, {}, 1, {}), ("b", 100e6, {}, 1, {})]))["rows"]
    assert r["verdict"] == "significant"


def test_invalid_in_one_cell_disqualifies_in_every_cell_of_the_scenario():
    cells = []
    for pct in (50, 90, 100):
        bad = pct == 50
        cells += [("racy_rwlock", 9e6, {"read_pct": pct}, 2, {"ok": not bad, "flags": ("invalid",) if bad else ()}),
                  ("std_shared_mutex", 5e6, {"read_pct": pct}, 2, {}), ("std_mutex", 4e6, {"read_pct": pct}, 2, {})]
    cells += [("racy_rwlock", 9e6, {}, 2, {"scenario": "other"}), ("std_mutex", 4e6, {}, 2, {"scenario": "other"})]
    mat = rep.matrix(doc_of(cells))
    rw = [r for r in mat["rows"] if r["scenario"] == "rwlock"]
    assert len(rw) == 3
    assert all("racy_rwlock" not in [x["primitive"] for x in r["ranking"]] for r in rw)
    assert all(r["winner"] == "std_shared_mutex" for r in rw)
    assert [(d["scenario"], d["primitive"]) for d in mat["disqualified"]] == [("rwlock", "racy_rwlock")]
    assert "torn value" in mat["disqualified"][0]["detail"] and "read_pct=50" in mat["disqualified"][0]["detail"]
    # Another scenario, where it passed, still ranks it.
    (other,) = [r for r in mat["rows"] if r["scenario"] == "other"]
    assert other["winner"] == "racy_rwlock"


def test_noisy_disturbed_hung_cells_are_marked():
    doc = doc_of([("a", 110e6, {}, 1, {"flags": ("noisy", "disturbed")}), ("b", 100e6, {}, 1, {"flags": ("hung",)})])
    (r,) = rep.matrix(doc)["rows"]
    assert set(r["marks"]) == {"noisy", "disturbed", "hung"}
    table = rep.matrix_table({"rows": [r]})
    assert "noisy" in table[1][7] and "disturbed" in table[1][7] and "hung" in table[1][7]


def test_contended_cost_is_in_round_trips_of_the_class_the_threads_spanned():
    # Issue 30: a winner whose threads spanned two packages is read against that round trip,
    # not the one pair older files measured; one thread crosses nothing.
    cal = {"c2c_round_trip_ns": 50.0, "c2c_by_distance": {"same_l3": {"ns": 50.0, "cpus": [0, 2]},
                                                         "other_package": {"ns": 200.0, "cpus": [0, 32]}}}
    assert rep.round_trip_for(cal, "other_package") == (200.0, "other_package")
    assert rep.round_trip_for(cal, "same_l3") == (50.0, "same_l3")
    assert rep.round_trip_for(cal, None) == (50.0, None)  # a file from before placements
    assert rep.round_trip_for(cal, "same_cpu") == (None, None)
    row = {"scenario": "counter", "params": {}, "threads": 2, "winner": "a", "winner_ops_per_sec": 5e6,
           "winner_span": "other_package", "runner_up": None, "margin": None, "p_value": None, "verdict": "only"}
    table = rep.matrix_table({"rows": [row]}, cal)
    assert table[1][8] == "400 (2× other package)", table[1][8]


def test_summary_names_no_leader_of_ties():
    cells = [(p, ops, {"read_pct": x}, 2, {}) for x in (0, 50, 90, 100) for p, ops in (("a", 100.5e6), ("b", 100e6))]
    (line,) = rep.summary(rep.matrix(doc_of(cells)), 2)
    assert "no clear leader" in line["text"] and not line["significant"]


def test_a_reversal_along_a_parameter_is_stated():
    # seqlock leads at 0, std_mutex from 50, seqlock again at 90; 70 is a tie (neither starts a lead).
    table = {0: (9, 5), 50: (5, 9), 70: (7, 7.1), 90: (9, 5)}
    cells = [(p, v * 1e6, {"read_pct": x}, 2, {})
             for x, (seq, mtx) in table.items() for p, v in (("seqlock", seq), ("std_mutex", mtx))]
    texts = [c["text"] for c in rep.crossovers(rep.matrix(doc_of(cells)))]
    assert texts == ["rwlock: std_mutex overtakes seqlock from read_pct=50 at 2 threads",
                     "rwlock: seqlock leads again from read_pct=90 at 2 threads"]


def test_crossover_agrees_with_the_table():
    # Every crossover's new leader is the winner of the table's row at that point.
    cells = [(p, v * 1e6, {}, t, {}) for t, (a, b) in {1: (9, 5), 2: (5, 9), 4: (9, 5)}.items()
             for p, v in (("a", a), ("b", b))]
    mat = rep.matrix(doc_of(cells))
    for c in rep.crossovers(mat):
        (row,) = [r for r in mat["rows"] if r["threads"] == c["at"]]
        assert row["winner"] == c["new"] and row["margin"] >= mat["min_effect"]


def test_the_summary_states_every_primitives_ratio_to_the_baseline():
    # Two near-equal atomics lead (a tie between them): the summary must still give their gap to the lock.
    cells = [(p, v, {}, 2, {"scenario": "counter"}) for p, v in
             (("atomic_relaxed", 79e6), ("atomic_seq_cst", 76e6), ("ttas_spinlock", 12e6), ("std_mutex", 10e6))]
    doc = doc_of(cells)
    doc["context"]["lfbench_scenarios"] = {"counter": {"baselines": ["absent", "std_mutex"], "measures": [], "roles": False}}
    (rec,) = rep.recommendations([doc], ["x"])
    (line,) = rec["summary"]
    assert "throughput vs std_mutex (the baseline): atomic_relaxed 7.90×, atomic_seq_cst 7.60×, ttas_spinlock 1.20×" \
        in line["text"], line["text"]
    assert set(line["vs_baseline"]["ratios"]) == {"atomic_relaxed", "atomic_seq_cst", "ttas_spinlock"}
    assert line["vs_baseline"]["baseline"] == "std_mutex"
    # over several cells: each primitive's range
    cells = [(p, v * (1 + x / 100), {"read_pct": x}, 2, {"scenario": "counter"}) for x in (0, 50)
             for p, v in (("atomic_relaxed", 79e6), ("std_mutex", 10e6 if x == 0 else 20e6 / 1.5))]
    doc = doc_of(cells)
    (line,) = rep.summary(rep.matrix(doc), 2, {"counter": ["std_mutex"]})
    assert "throughput vs std_mutex (the baseline) over 2 cells: atomic_relaxed 5.92–7.90×" in line["text"], line["text"]
    # a file that declares no baseline keeps the old summary
    (line,) = rep.summary(rep.matrix(doc), 2)
    assert "the baseline" not in line["text"] and "vs_baseline" not in line


def test_delivery_modes_are_compared_with_each_other_for_the_same_other_params():
    # push counts its drain thread (3 threads), pull and cursor do not (2): paired in order.
    cells = [(p, v, {"delivery": d, "queues": 1}, t, {"scenario": "broker"}) for d, t, p, v in (
        ("push", 3, "mutex_deque", 1e6), ("push", 3, "mpmc_ring", 2e6), ("pull", 2, "mutex_deque", 1.5e6),
        ("pull", 2, "mpmc_ring", 3e6), ("cursor", 2, "cursor_ring", 4e6))]
    (m,) = rep.mode_comparisons(rep.matrix(doc_of(cells)))
    assert [r["mode"] for r in m["ranking"]] == ["cursor", "pull", "push"]
    assert m["threads"] == {"cursor": 2, "pull": 2, "push": 3}
    assert m["text"] == ("broker, delivery modes compared (queues=1; delivery=cursor at 2 threads, delivery=pull at 2 "
                         "threads, delivery=push at 3 threads): delivery=cursor leads with cursor_ring at 4 Mops/s, "
                         "1.33× delivery=pull's best (mpmc_ring 3 Mops/s), 2.00× delivery=push's best (mpmc_ring 2 Mops/s); "
                         "the same primitive in each: mpmc_ring pull 1.50× push; mutex_deque pull 1.50× push")
    # at a thread count both modes measured, that one; another queue count is another comparison
    cells = [(p, v * (2 if d == "pull" else 1), {"delivery": d, "queues": q}, 2, {"scenario": "broker"})
             for q in (1, 4) for d in ("push", "pull") for p, v in (("mutex_deque", 1e6), ("mpmc_ring", 2e6))]
    got = rep.mode_comparisons(rep.matrix(doc_of(cells)))
    assert [(g["params"], g["threads"]) for g in got] == [({"queues": 1}, {"pull": 2, "push": 2}),
                                                          ({"queues": 4}, {"pull": 2, "push": 2})]
    assert all("delivery=pull leads" in g["text"] and "; 2 threads)" in g["text"] for g in got)
