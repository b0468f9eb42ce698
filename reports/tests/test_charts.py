"""Charts chosen by the shape of the data (lfreport.charts), stable colours, relative views, the
diff view and the options' bad values, on fixtures and small synthetic results dicts."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIX = HERE / "fixtures"
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import lfbench_report as rep  # noqa: E402
from test_matrix import doc_of  # noqa: E402

SCRIPT = HERE.parent / "lfbench_report.py"
LFBENCH = os.environ.get("LFBENCH_BIN")
COMPARE_FIX = HERE.parents[1] / "cli" / "tests" / "fixtures"

# What lfbench run writes into a results file's context for these scenarios (each declares it
# in scenarios/*.cpp): the files built here are from a run that has it.
DECLARED = {
    "rwlock": {"baselines": ["std_mutex", "std_shared_mutex"], "measures": [["op:read", "reads/s"], ["op:write", "writes/s"]],
               "roles": False},
    "cow": {"baselines": ["mutex_snapshot", "shared_mutex_snapshot"],
            "measures": [["op:read", "reads/s"], ["m:updates_per_sec", "writer: updates/s achieved"],
                         ["m:bytes_copied_per_sec", "writer: bytes copied/s"],
                         ["lat:write:p50", "writer: update latency p50 (ns)"],
                         ["lat:write:p99", "writer: update latency p99 (ns)"], ["lat:read:p99", "reader latency p99 (ns)"]],
            "roles": False},
    "queue": {"baselines": ["mutex_deque"], "measures": [["m:delivered_msgs_per_sec", "delivered msgs/s"],
                                                         ["m:receiver_fairness", "receiver fairness (Jain)"]],
              "roles": True},
}


def declaring(doc, *scenarios):
    doc["context"]["lfbench_scenarios"] = {s: DECLARED[s] for s in scenarios}
    return doc


@pytest.fixture(autouse=True)
def close_figures():
    yield
    rep._plt().close("all")


def kinds(fig):
    """'bar' / 'line' per panel that draws data."""
    from matplotlib.container import BarContainer
    out = []
    for ax in fig.axes:
        if any(isinstance(c, BarContainer) for c in ax.containers):
            out.append("bar")
        elif [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 1 and ln.get_linestyle() == "-"]:
            out.append("line")
    return out


def one_thread_doc():
    return declaring(doc_of([(p, v, {}, 2, {}) for p, v in (("std_mutex", 5e6), ("ttas_spinlock", 8e6),
                                                            ("atomic_relaxed", 9e6))], reps=5), "rwlock")


def test_one_thread_count_gives_bars_not_lines():
    figs = rep.figures([one_thread_doc()], "rwlock")
    assert set(kinds(figs["rwlock-throughput"])) == {"bar"}


def test_several_thread_counts_give_lines_over_threads():
    doc = doc_of([(p, v * t, {}, t, {}) for t in (1, 2, 4) for p, v in (("std_mutex", 5e6), ("seqlock", 8e6))], reps=5)
    fig = rep.figures([doc], "rwlock")["rwlock-throughput"]
    assert set(kinds(fig)) == {"line"} and fig.axes[0].get_xlabel() == "threads"


def test_a_swept_parameter_gives_lines_over_it_per_thread_count():
    doc = doc_of([(p, v + x * 1e4, {"read_pct": x}, 2, {}) for x in (0, 50, 100)
                  for p, v in (("std_mutex", 5e6), ("seqlock", 8e6))], reps=5)
    figs = rep.figures([doc], "rwlock")
    assert "rwlock-throughput" not in figs  # a column of points over one thread count says nothing
    fig = figs["rwlock-throughput-read_pct"]
    assert set(kinds(fig)) == {"line"} and "2 threads" in fig.axes[0].get_title()
    assert "rwlock-winner-read_pct" not in figs  # a heatmap needs two axes that vary


def test_shards_are_a_primitive_parameter_in_every_file():
    alone = doc_of([("sharded_mutex_map", 5e6 * s, {"read_pct": 50, "shards": s}, 2, {"scenario": "map"}) for s in (1, 4, 16)], reps=3)
    mixed = doc_of([("sharded_mutex_map", 5e6 * s, {"read_pct": 50, "shards": s}, 2, {"scenario": "map"}) for s in (1, 4, 16)]
                   + [("mutex_map", 7e6, {"read_pct": 50}, 2, {"scenario": "map"})], reps=3)
    for doc in (alone, mixed):
        (key,) = {k for k in rep.cells(doc)}
        assert key[1] == (("read_pct", 50),)
        assert "sharded_mutex_map[shards=16]" in rep.cells(doc)[key]
    figs = rep.figures([mixed], "map")
    fig = figs["map-best-shards"]
    assert fig.axes[0].get_xlabel() == "shards"
    # mutex_map, without shards, is a dashed reference level
    assert any(ln.get_linestyle() == "--" for ln in fig.axes[0].get_lines())


def test_colours_are_the_same_for_a_primitive_across_reports():
    a = rep.colours({"std_mutex", "seqlock"})
    b = rep.colours({"std_mutex", "atomic_relaxed", "atomic_seq_cst", "ttas_spinlock", "pthread_spinlock"})
    assert a["std_mutex"] == b["std_mutex"]
    # ...also in the figures drawn from two different files
    f1 = rep.figures([one_thread_doc()], "rwlock")["rwlock-throughput"]
    f2 = rep.figures([doc_of([("std_mutex", 1e6, {}, 2, {}), ("seqlock", 2e6, {}, 2, {})], reps=3)],
                     "rwlock")["rwlock-throughput"]

    def bar_colour(fig, name):
        ax = fig.axes[0]
        names = [t.get_text() for t in ax.get_xticklabels()]
        return ax.patches[names.index(name)].get_facecolor()
    assert bar_colour(f1, "std_mutex") == bar_colour(f2, "std_mutex")


def test_primitives_sharing_a_scenario_have_distinct_colours():
    for ids in (["std_mutex", "ttas_spinlock", "pthread_spinlock", "atomic_relaxed", "atomic_seq_cst", "cas_loop",
                 "striped_counter"], ["mutex_snapshot", "shared_mutex_snapshot", "atomic_shared_ptr_snapshot",
                                      "hazard_pointer_snapshot", "urcu_memb_snapshot", "urcu_qsbr_snapshot"]):
        assert len(set(rep.colours(ids).values())) == len(ids)


def test_relative_view_divides_by_the_baseline_on_a_log_axis():
    figs = rep.figures([one_thread_doc()], "rwlock")
    fig = figs["rwlock-throughput-relative"]
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and "std_mutex" in fig._suptitle.get_text()
    names = [t.get_text() for t in ax.get_xticklabels()]
    tops = {n: p.get_y() + p.get_height() for n, p in zip(names, ax.patches)}
    assert tops["std_mutex"] == pytest.approx(1.0) and tops["ttas_spinlock"] == pytest.approx(8 / 5, rel=1e-3)
    figs = rep.figures([one_thread_doc()], "rwlock", relative_to="ttas_spinlock")
    assert "relative to ttas_spinlock" in figs["rwlock-throughput-relative"]._suptitle.get_text()


def test_linear_axes_start_at_zero_and_panels_share_them():
    doc = doc_of([(p, v + x * 1e4, {"read_pct": x}, t, {}) for x in (0, 50) for t in (1, 2)
                  for p, v in (("std_mutex", 31e6), ("seqlock", 37e6))], reps=3)
    fig = rep.figures([doc, doc], "rwlock")["rwlock-throughput"]
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 4 and all(ax.get_ylim()[0] == 0 for ax in panels)
    assert len({ax.get_ylim() for ax in panels}) == 1


def test_more_than_eight_primitives_are_faceted():
    doc = doc_of([(f"p{i:02d}", (i + 1) * 1e6, {}, t, {}) for i in range(12) for t in (1, 2)], reps=3)
    fig = rep.figures([doc], "rwlock")["rwlock-throughput"]
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 2 and all(len([ln for ln in ax.get_lines() if ln.get_linestyle() == "-"]) <= 8
                                    for ax in panels)


def test_cow_writer_side_is_charted():
    doc = rep.load_results(FIX / "real_counter_latency.json")  # any file; cow cells are added below
    doc = declaring(json.loads(json.dumps(doc)), "cow")
    for i, prim in enumerate(("mutex_snapshot", "urcu_qsbr_snapshot")):
        for r in range(3):
            doc["benchmarks"].append({"run_type": "iteration", "repetition_index": r, "real_time": 1.0, "lfbench": {
                "id": f"cow/{prim}", "scenario": "cow", "primitive": prim, "params": {"updates_per_sec": 1000},
                "threads": 2, "ops_per_sec": 1e6 * (i + 1), "flags": [], "verification": {"ok": True},
                "metrics": {"updates_per_sec": 990.0 - i, "bytes_copied_per_sec": 1e6 * (i + 1)},
                "op_kinds": {"write": {"ops_per_sec": 990.0, "latency_ns": {"p50": 900, "p99": 4000}}}}})
    figs = rep.figures([doc], "cow")
    # One figure of small multiples, a panel (own y axis) per measure.
    assert not [stem for stem in figs if stem.startswith(("cow-m-", "cow-lat-", "cow-op-"))]
    titles = [ax.get_title() for ax in figs["cow-measures"].axes if ax.get_title()]
    for measure in ("writer: updates/s achieved", "writer: bytes copied/s",
                    "writer: update latency p50 (ns)", "writer: update latency p99 (ns)"):
        assert sum(t.startswith(measure) for t in titles) == 1, (measure, titles)


def test_measures_with_too_many_panels_get_a_figure_each():
    # read_pct swept over 13 thread counts: a panel per thread count and measure is too many for one figure.
    doc = doc_of([(p, v * t + x, {"read_pct": x}, t, {}) for t in range(1, 14) for x in (0, 50)
                  for p, v in (("std_mutex", 5e6), ("seqlock", 8e6))], reps=3)
    for b in doc["benchmarks"]:
        b["lfbench"]["op_kinds"] = {"read": {"ops_per_sec": 1e6}, "write": {"ops_per_sec": 2e6}}
        b["lfbench"]["fairness"] = {"jain": 0.9, "min_share": 0.4, "max_share": 0.6}
    figs = rep.figures([doc], "rwlock")
    assert "rwlock-measures" not in figs and {"rwlock-op-read", "rwlock-op-write", "rwlock-fairness"} <= set(figs)


def test_fairness_is_a_panel_of_the_measures_figure():
    doc = doc_of([(p, 5e6 * t, {}, t, {}) for t in (1, 2, 4) for p in ("std_mutex", "seqlock")], reps=3)
    for b in doc["benchmarks"]:
        b["lfbench"]["fairness"] = {"jain": 0.9, "min_share": 0.4, "max_share": 0.6}
        b["lfbench"]["op_kinds"] = {"read": {"ops_per_sec": 1e6}, "write": {"ops_per_sec": 2e6}}
    figs = rep.figures([doc], "rwlock")
    assert "rwlock-fairness" not in figs
    titles = [ax.get_title() for ax in figs["rwlock-measures"].axes if ax.get_title()]
    assert [t.split(",")[0].split(" (")[0] for t in titles] == ["reads/s", "writes/s", "fairness per CPU time"]


def slower_copy(path, factor, out):
    """A copy of a results file with every time per operation `factor` times the original's."""
    doc = json.loads(Path(path).read_text())
    for e in doc["benchmarks"]:
        lf = e["lfbench"]
        e["real_time"] *= factor
        e["cpu_time"] *= factor
        lf["ns_per_op"] *= factor
        lf["ops_per_sec"] /= factor
        for key, f in (("ns_per_op", factor), ("ops_per_sec", 1 / factor)):
            for q in ("median", "mean", "min", "max", "stddev"):
                if q in lf.get("stats", {}).get(key, {}):
                    lf["stats"][key][q] *= f
    out.write_text(json.dumps(doc))
    return out


needs_lfbench = pytest.mark.skipif(not LFBENCH, reason="needs LFBENCH_BIN: --diff runs lfbench compare")


# The report shows the gate's verdicts, never its own: 7% slower is "same" for both at compare's
# default threshold for separate files (the report's old 5% rule called every cell "slower"),
# 30% slower is "slower" for both; --threshold reaches compare.
@needs_lfbench
@pytest.mark.parametrize("factor, extra, verdict, exit_code", [
    (1.07, [], "same", 0), (1.30, [], "slower", 1), (1.07, ["--threshold", "3"], "slower", 1)])
def test_diff_shows_compares_verdicts(tmp_path, factor, extra, verdict, exit_code):
    base = COMPARE_FIX / "base.json"
    new = slower_copy(base, factor, tmp_path / "new.json")
    c = subprocess.run([LFBENCH, "compare", base, new, "--format", "json", *extra], capture_output=True, text=True,
                       timeout=120)
    gate = json.loads(c.stdout)
    assert c.returncode == exit_code and {x["verdict"] for x in gate["cells"]} == {verdict}, c.stdout
    p = subprocess.run([LFBENCH, "report", base, new, "--diff", "-o", tmp_path / "out", *extra],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr  # the report was written, whatever the verdicts
    shown = json.loads((tmp_path / "out" / "recommendations.json").read_text())["diff"]
    assert [(x["id"], x["verdict"], x["ratio"]) for x in shown["cells"]] == \
        [(x["id"], x["verdict"], x["ratio"]) for x in gate["cells"]]
    assert (shown["headline"], shown["exit_code"]) == (gate["headline"], exit_code)
    md = (tmp_path / "out" / "report.md").read_text()
    assert gate["headline"] in md and f"lfbench compare exits {exit_code}" in md
    rows = [ln for ln in md.splitlines() if ln.startswith(f"| {verdict} | counter/")]
    assert len(rows) == len(gate["cells"]) == 4
    assert f"{factor:.2f}×" in rows[0]  # compare's ratio of times, as it computed it
    assert f"{gate['cells'][0]['mde'] * 100:+.1f}%" in rows[0]  # and its minimum detectable effect


@needs_lfbench
def test_diff_passes_on_compares_refusal_in_one_line(tmp_path):
    p = subprocess.run([LFBENCH, "report", COMPARE_FIX / "base.json", COMPARE_FIX / "all_3pct_slower.json", "--diff",
                        "--threshold", "-4", "-o", tmp_path / "out"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "--threshold" in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not (tmp_path / "out").exists()


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args, message", [
    (["--relative-to", "no_such_lock"], "--relative-to no_such_lock: not a primitive of these files; allowed: "),
    (["--min-effect", "five"], "--min-effect five: not a percentage"),
    (["--diff"], "--diff takes two results files"),
    (["--threshold", "5"], "--threshold is compare's, for --diff"),
])
def test_bad_options_exit_2_one_line_nothing_written(tmp_path, args, message):
    p = run(FIX / "synthetic.json", "-o", tmp_path / "out", *args)
    assert p.returncode == 2 and message in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@needs_lfbench
def test_diff_report_names_both_files(tmp_path):
    p = run(FIX / "synthetic.json", FIX / "other_host.json", "--diff", "-o", tmp_path / "out")
    assert p.returncode == 0, p.stderr
    md = (tmp_path / "out" / "report.md").read_text()
    assert "## Diff: other_host.json (hostb" in md and "synthetic.json (hosta" in md
    assert json.loads((tmp_path / "out" / "recommendations.json").read_text())["diff"]


def test_an_index_from_0_to_1_has_plain_ticks():
    doc = doc_of([(p, 5e6, {}, t, {}) for t in (2, 4) for p in ("std_mutex", "seqlock")], reps=3)
    for b in doc["benchmarks"]:
        b["lfbench"]["fairness"] = {"jain": 0.9, "min_share": 0.4, "max_share": 0.6}
    fig = rep.figures([doc], "rwlock")["rwlock-measures"]
    fig.canvas.draw()
    (ax,) = [ax for ax in fig.axes if ax.get_title().startswith("fairness")]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels and not [t for t in labels if t.endswith(" m")], labels


def test_queue_fairness_is_among_receivers_not_all_threads():
    # producers count no operations: Jain over all threads would be 1/2 for every queue
    doc = declaring(doc_of([(p, 5e6 * t, {}, t, {"scenario": "queue"}) for t in (2, 4) for p in ("mutex_deque", "mpmc_ring")],
                           reps=3), "queue")
    for b in doc["benchmarks"]:
        b["lfbench"]["fairness"] = {"jain": 0.5, "min_share": 0.0, "max_share": 1.0}
        b["lfbench"]["metrics"] = {"receiver_fairness": 0.97, "delivered_msgs_per_sec": 1e6}
    titles = [ax.get_title() for ax in rep.figures([doc], "queue")["queue-measures"].axes if ax.get_title()]
    assert any(t.startswith("receiver fairness") for t in titles)
    assert not any(t.startswith("fairness per CPU time") for t in titles)


def test_a_scenario_declared_in_the_file_gets_its_baseline_and_measures():
    # A user's scenario (lfbench::Registration) declares them as the built-in ones do; the report
    # reads them from the file's context and knows neither the scenario nor its primitives.
    doc = doc_of([(p, v * t, {}, t, {"scenario": "jobs"}) for t in (1, 2) for p, v in (("my_lock", 5e6), ("my_queue", 8e6))],
                 reps=3)
    for b in doc["benchmarks"]:
        b["lfbench"]["metrics"] = {"jobs_per_sec": 1e5, "other": 1.0}
        b["lfbench"]["fairness"] = {"jain": 0.5, "min_share": 0.0, "max_share": 1.0}
    doc["context"]["lfbench_scenarios"] = {"jobs": {"baselines": ["absent", "my_lock"],
                                                    "measures": [["m:jobs_per_sec", "jobs done/s"]], "roles": True}}
    figs = rep.figures([doc], "jobs")
    assert "ratio to my_lock" in figs["jobs-throughput-relative"].axes[0].get_ylabel()
    titles = [ax.get_title() for ax in figs["jobs-measures"].axes if ax.get_title()]
    assert titles == ["jobs done/s"]  # only what it declares: no undeclared metric, no fairness (roles)


def test_a_file_without_declarations_gets_defaults_from_its_data():
    doc = doc_of([(p, 5e6 * t, {}, t, {}) for t in (1, 2) for p in ("std_mutex", "seqlock")], reps=3)
    for b in doc["benchmarks"]:
        b["lfbench"]["op_kinds"] = {"read": {"ops_per_sec": 1e6}}
        b["lfbench"]["metrics"] = {"bytes_copied_per_sec": 2.0}
        b["lfbench"]["fairness"] = {"jain": 0.9, "min_share": 0.4, "max_share": 0.6}
    assert "lfbench_scenarios" not in doc["context"]  # written before the field existed
    figs = rep.figures([doc], "rwlock")
    assert not [stem for stem in figs if stem.endswith("-relative")]  # no baseline declared: --relative-to names one
    titles = [ax.get_title().split(" (")[0] for ax in figs["rwlock-measures"].axes if ax.get_title()]
    assert titles == ["reads/s", "bytes copied per sec", "fairness per CPU time"]


def test_a_users_primitive_has_a_colour_of_its_own_and_a_chart_keeps_them_apart():
    own = rep.colours({"my_own_lock"})["my_own_lock"]
    assert own in rep.PALETTE and own == rep.colour_of("my_own_lock")
    assert rep.colours({"my_own_lock", "std_mutex"})["my_own_lock"] == own or \
        rep._slot("my_own_lock") == rep._slot("std_mutex")
    many = [f"user_prim_{i}" for i in range(len(rep.PALETTE))]
    assert len(set(rep.colours(many).values())) == len(rep.PALETTE)  # one chart: every slot used once
    assert rep.colours(many) == rep.colours(list(reversed(many)))  # whatever the order they come in
