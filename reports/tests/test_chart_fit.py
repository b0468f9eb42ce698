"""Issue 31: charts fit their data — log (symlog with 0) axes over sweeps of two decades or more,
no line joining two modes (delivery push and pull), every panel drawn (pages, no silent cap), the
dashed ideal scaling over threads, latency ticks in ns/µs/ms, the update-rate heatmap that found a
sweep beside fixed-rate runs, the non-significant crossovers kept out of the page's top and the
allocations per message in the matrix's table. Small synthetic results dicts built here.

Run: /usr/bin/python3 -m pytest -q reports/tests/test_chart_fit.py
"""
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import lfbench_report as rep  # noqa: E402
from test_matrix import doc_of  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    rep._plt().close("all")


def panels(fig):
    return [ax for ax in fig.axes if ax.get_title()]


def title(ax):
    """The panel's title on one line (titles are wrapped)."""
    return " ".join(ax.get_title().split())


def data_lines(ax):
    """The solid lines drawn over x (error bars' own lines included once)."""
    return [ln for ln in ax.get_lines() if ln.get_linestyle() == "-" and len(ln.get_xdata()) > 0]


@pytest.mark.parametrize("rates, scale", [((0, 10, 100, 1000), "symlog"), ((10, 100, 1000, 10000), "log"),
                                          ((0, 50, 100), "linear")])
def test_a_sweep_of_two_decades_or_more_gets_a_log_axis(rates, scale):
    doc = doc_of([(p, v - r, {"updates_per_sec": r}, 2, {"scenario": "cow"}) for r in rates
                  for p, v in (("mutex_snapshot", 5e6), ("urcu_qsbr_snapshot", 9e6))], reps=3)
    fig = rep.figures([doc], "cow")["cow-throughput-updates_per_sec"]
    ax = panels(fig)[0]
    assert ax.get_xscale() == scale
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == [str(r) if r < 10000 else "10k" for r in rates]  # every value named, none as 1e+04
    if scale == "symlog":  # said where 0 sits
        assert "symlog axis: linear from 0 to 10, log above" in ax.get_xlabel()
        assert ax.get_xlim()[0] < 0 < 0.5 * 10  # 0 at the left edge, no empty decade before it


def test_more_swept_values_than_a_figure_holds_all_appear_on_further_pages():
    n = rep.MAX_PANEL_ROWS + 4
    doc = doc_of([(p, v * t + k, {"key": f"k{k:02d}"}, t, {"scenario": "map"}) for k in range(n) for t in (1, 2)
                  for p, v in (("mutex_map", 5e6), ("shared_mutex_map", 7e6))], reps=3)
    figs = rep.figures([doc], "map")
    pages = [figs["map-throughput"], figs["map-throughput-p2"]]
    assert "map-throughput-p3" not in figs
    titles = [ax.get_title() for f in pages for ax in panels(f)]
    assert sorted(titles) == [f"key=k{k:02d}" for k in range(n)]  # each once, none dropped
    assert "page 1 of 2" in pages[0]._suptitle.get_text() and f"{n} panels" in pages[1]._suptitle.get_text()


def broker_doc():
    """Two delivery modes at the same thread counts, the same primitives in both."""
    doc = doc_of([(p, v * t * (2 if d == "pull" else 1), {"delivery": d, "queues": 1}, t, {"scenario": "broker"})
                  for d in ("push", "pull") for t in (2, 4) for p, v in (("mutex_deque", 1e6), ("mpmc_ring", 2e6))], reps=3)
    for b in doc["benchmarks"]:
        lf = b["lfbench"]
        lf["metrics"] = {"delivered_msgs_per_sec": lf["ops_per_sec"], "allocs_per_op": 2.0 if lf["primitive"] == "mutex_deque" else 1.0}
        lf["fairness"] = {"jain": 0.9, "min_share": 0.4, "max_share": 0.6}
    doc["context"]["lfbench_scenarios"] = {"broker": {"baselines": ["mutex_deque"], "measures": [
        ["m:delivered_msgs_per_sec", "delivered msgs/s"], ["m:allocs_per_op", "allocations per message"]], "roles": False}}
    return doc


def test_series_of_different_delivery_modes_are_never_joined():
    doc = broker_doc()
    figs = rep.figures([doc], "broker")
    for stem in ("broker-throughput", "broker-measures"):
        for ax in panels(figs[stem]):
            text = title(ax)
            if text.startswith("fairness"):
                continue
            # a panel is one delivery mode, and no line has two points at one thread count
            assert ("delivery=push" in text) != ("delivery=pull" in text), (stem, text)
            for ln in data_lines(ax):
                xs = list(ln.get_xdata())
                assert len(xs) == len(set(xs)), (stem, text, xs)
    fair = [ax for ax in panels(figs["broker-measures"]) if ax.get_title().startswith("fairness")]
    assert sorted(title(ax).split(", ", 1)[1] for ax in fair) == ["delivery=pull, queues=1", "delivery=push, queues=1"]


def test_fairness_folds_numeric_sweeps_into_their_worst():
    doc = doc_of([(p, 5e6 * t, {"read_pct": x}, t, {}) for x in (0, 50) for t in (2, 4) for p in ("std_mutex", "seqlock")],
                 reps=3)
    for b in doc["benchmarks"]:
        lf = b["lfbench"]
        lf["fairness"] = {"jain": 0.5 if lf["params"]["read_pct"] == 50 else 0.9, "min_share": 0.4, "max_share": 0.6}
    fig = rep.figures([doc], "rwlock")["rwlock-measures"]
    (ax,) = [ax for ax in panels(fig) if ax.get_title().startswith("fairness")]
    assert "worst over read_pct" in title(ax)
    for ln in data_lines(ax):
        assert list(ln.get_ydata()) == [0.5, 0.5]


def test_the_broker_table_shows_allocations_per_message():
    mat = rep.matrix(broker_doc())
    table = rep.matrix_table(mat)
    assert table[0][-1] == "allocs/op (winner · runner-up)"
    assert all(r[-1] == "1 · 2" for r in table[1:])  # mpmc_ring leads, mutex_deque runs up
    assert "allocs/op" not in " ".join(rep.matrix_table(rep.matrix(doc_of([("a", 1e6, {}, 1, {})], reps=3)))[0])


def test_throughput_over_threads_has_the_dashed_ideal_scaling():
    doc = doc_of([(p, v * min(t, 2), {}, t, {}) for t in (1, 2, 4) for p, v in (("std_mutex", 5e6), ("seqlock", 8e6))],
                 reps=3)
    figs = rep.figures([doc], "rwlock")
    (ax,) = panels(figs["rwlock-throughput"])
    ideal = [ln for ln in ax.get_lines() if ln.get_gid() == "ideal-scaling"]
    assert len(ideal) == 2 and all(ln.get_linestyle() == "--" for ln in ideal)
    for ln in ideal:  # each primitive's 1-thread median × threads
        xs, ys = list(ln.get_xdata()), list(ln.get_ydata())
        assert xs == [1, 2, 4] and ys == pytest.approx([ys[0] * x for x in xs])
    (legend,) = [ax.get_legend() for ax in figs["rwlock-throughput"].axes if ax.get_legend()]
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts[-1] == rep.IDEAL


def test_latency_is_labelled_in_readable_units():
    doc = doc_of([(p, 5e6, {}, 2, {"scenario": "broker"}) for p in ("mutex_deque", "mpmc_ring")], reps=3)
    for b in doc["benchmarks"]:
        big = b["lfbench"]["primitive"] == "mutex_deque"
        lat = {"p50": 40000, "p90": 900000, "p99": 5505023 if big else 90000, "p999": 9000000, "max": 20000000,
               "samples": 100}
        b["lfbench"]["latency_ns"] = lat
        b["lfbench"]["op_kinds"] = {"delivered": {"ops_per_sec": 5e6, "latency_ns": lat}}
    doc["context"]["lfbench_scenarios"] = {"broker": {"baselines": ["mutex_deque"], "measures": [
        ["lat:delivered:p99", "delivery latency p99 (ns)"]], "roles": True}}
    figs = rep.figures([doc], "broker")
    for stem in ("broker-latency", "broker-measures"):
        fig = figs[stem]
        fig.canvas.draw()
        labels = [t.get_text() for ax in panels(fig) for t in ax.get_yticklabels() if t.get_text()]
        assert labels and all(l == "0" or l.endswith((" ns", " µs", " ms", " s")) for l in labels), (stem, labels)
        assert any(l.endswith(" ms") for l in labels) and not any("5505023" in l or "e+" in l for l in labels)


def test_the_update_rate_heatmap_finds_a_sweep_beside_fixed_rate_runs():
    # cow-churn's shape: entries × updates_per_sec at 2 and 3 threads, then fixed-rate workloads
    # (write_pct 5 and 15, updates_per_sec 0 only) at other entries and thread counts. Fixing the
    # other parameters at their first values (entries=1000 sorted as text, write_pct=0) matched no row.
    cells = [(p, v - r, {"entries": e, "write_pct": 0, "updates_per_sec": r, "read_op": "lookup"}, t, {"scenario": "cow"})
             for e in (16, 4096) for r in (0, 10, 100) for t in (2, 3)
             for p, v in (("shared_mutex_snapshot", 5e6), ("urcu_qsbr_snapshot", 9e6))]
    cells += [(p, v, {"entries": 1000, "write_pct": 15, "updates_per_sec": 0, "read_op": ro}, t, {"scenario": "cow"})
              for ro in ("lookup", "iterate") for t in (1, 2, 8)
              for p, v in (("shared_mutex_snapshot", 5e6), ("urcu_qsbr_snapshot", 9e6))]
    doc = doc_of(cells, reps=3)
    heat = rep.heatmap_figures([doc], "cow")
    assert "updates_per_sec" in heat
    titles = [title(ax) for ax in heat["updates_per_sec"].axes if ax.get_title()]
    assert not any("not swept" in t for t in titles), titles
    assert sorted(t.split(" h · ")[0] for t in titles) == [
        "winner and margin over runner-up, entries=16, read_op=lookup, write_pct=0",
        "winner and margin over runner-up, entries=4096, read_op=lookup, write_pct=0"]
    (ax,) = [ax for ax in heat["updates_per_sec"].axes if "entries=16" in ax.get_title()]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "10", "100"]


def test_non_significant_crossovers_are_counted_at_the_top_and_listed_collapsed():
    # three repetitions: no lead is significant, and the leader flips at every read ratio
    cells = [(p, (9e6 if (k % 2) == (p == "a") else 5e6), {"read_pct": x}, t, {})
             for k, x in enumerate((0, 10, 20, 30, 40, 50)) for t in (1, 2) for p in ("a", "b")]
    doc = doc_of(cells, reps=3)
    recs = rep.recommendations([doc], ["x.json"])
    assert recs[0]["crossovers"] and not any(c["significant"] for c in recs[0]["crossovers"])
    blocks = rep._sections([doc], ["x.json"], recs)
    i = blocks.index(("h3", "Crossovers"))
    kind, text = blocks[i + 1]
    assert kind == "p" and f"{len(recs[0]['crossovers'])} crossovers are not significant" in text
    assert not any(kind == "ul" and any("(not significant)" in x for x in payload)
                   for kind, payload in blocks[:blocks.index(("h3", "All cells"))])
    (details,) = [payload for kind, payload in blocks if kind == "details"]
    assert len(details[1]) == len(recs[0]["crossovers"])
    html = rep.to_html(blocks, [], [])
    assert html.index("<details><summary>Crossovers that are not significant") > html.index("<h3>All cells</h3>")
    md = rep.to_markdown(blocks, [], [])
    assert "#### Crossovers that are not significant" in md and "<details>" not in md
