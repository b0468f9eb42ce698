#!/usr/bin/env python3
"""lfbench report: charts and the recommendation matrix from lfbench results files.

    lfbench_report.py RESULTS.json [MORE.json ...] -o DIR [--force]

Writes DIR/index.html (self-contained), DIR/report.md with the charts beside it (PNG and SVG),
and DIR/recommendations.json. Usually run through `lfbench report`, which picks a Python that
has matplotlib.

Everything from a results dict to a matrix, a summary or a figure is a pure function; only
main() touches the file system. Generic over scenarios: a workload cell is scenario + params +
threads; a "ratio or size parameter" is any numeric parameter with more than one value in a
file. Per-repetition entries (run_type "iteration") are the samples; significance is a
two-sided Mann-Whitney U test over them. Exit codes: 0 ok, 2 bad input (one line on stderr).
"""
import argparse
import base64
import html
import io
import json
import math
import os
import shutil
import tempfile
import re
import signal
import stat
import statistics
import sys
import zlib
from pathlib import Path

ALPHA = 0.05
NEAR = 1.05  # leads smaller than 5% are not called crossovers
CAPTION = "lfbench report"
# Bounds on what one report draws, so that a file with thousands of parameter sets, thread
# counts or scenarios renders in seconds: the matrix still lists every cell.
MAX_CHARTED_SCENARIOS = 16
MAX_PANEL_ROWS = 8
MAX_HEATMAPS = 6
MAX_LABELLED_HEATMAP_CELLS = 400


class BadInput(Exception):
    """Bad input: main prints the message as one line and exits 2."""


# --------------------------------------------------------------------------- loading

def _find_schema():
    """reports/results.schema.json: beside this script in the source tree, one level up when
    installed (<prefix>/share/lfbench/reports/lfbench_report.py)."""
    here = Path(__file__).resolve().parent
    for p in (here / "results.schema.json", here.parent / "results.schema.json"):
        if p.is_file():
            return json.loads(p.read_text())
    raise BadInput(f"results.schema.json not found beside {here}; reinstall lfbench")


_SCHEMA = {}


def schema():
    """The results-file contract shared with lfbench compare: the JSON Schema and its limits."""
    if not _SCHEMA:
        _SCHEMA.update(_find_schema())
    return _SCHEMA


def _read_bounded(path, max_bytes):
    """The bytes of a regular file of at most max_bytes; FIFOs, devices and directories are
    refused before anything is read (O_NONBLOCK: opening a FIFO must not wait for a writer)."""
    allowed = f"; allowed: a regular results file of at most {max_bytes} bytes"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except OSError as e:
        raise BadInput(f"{path}: cannot open: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                    else "a socket" if stat.S_ISSOCK(st.st_mode) else "a device")
            raise BadInput(f"{path}: is {kind}, not a regular file{allowed}")
        if st.st_size > max_bytes:
            raise BadInput(f"{path}: {st.st_size} bytes is too big{allowed}")
        chunks, got = [], 0
        while got <= max_bytes:  # one byte past the limit at most: procfs files report no size
            b = os.read(fd, min(1 << 20, max_bytes + 1 - got))
            if not b:
                break
            chunks.append(b)
            got += len(b)
        if got > max_bytes:
            raise BadInput(f"{path}: more than {max_bytes} bytes is too big{allowed}")
        return b"".join(chunks)
    except OSError as e:
        raise BadInput(f"{path}: cannot read: {e.strerror}") from None
    finally:
        os.close(fd)


# A JSON string token as written (escapes included), for the length limit; only applied to
# text the parser accepted, where every quote outside a string opens one.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def _json_path(parts):
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "the top level"


def load_results(path):
    """The results dict of an lfbench results file, or BadInput naming what is wrong. The file
    must keep the limits (x-lfbench-limits) and validate against results.schema.json before any
    field is used: the same contract lfbench compare checks."""
    sch = schema()
    lim = sch["x-lfbench-limits"]
    data = _read_bounded(path, lim["max_file_bytes"])
    if not data.strip():
        raise BadInput(f"{path}: empty file; not a results file (write one with `lfbench run -o FILE`)")

    def number(tok, convert):
        if len(tok) > lim["max_number_chars"]:
            raise BadInput(f"{path}: a number of {len(tok)} characters ('{tok[:20]}...'); "
                           f"allowed: at most {lim['max_number_chars']}")
        x = convert(tok)
        if not math.isfinite(x) or abs(x) > lim["max_abs_number"]:
            raise BadInput(f"{path}: number {tok} is out of range; allowed: finite numbers of magnitude at most "
                           f"{lim['max_abs_number']:g}")
        return x

    def constant(tok):
        raise BadInput(f"{path}: not a results file (not JSON: {tok} is not a JSON value)")

    try:
        doc = json.loads(data.decode("utf-8"), parse_int=lambda t: number(t, int),
                         parse_float=lambda t: number(t, float), parse_constant=constant)
    except UnicodeDecodeError as e:
        raise BadInput(f"{path}: not a results file (not UTF-8 text at byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}: not a results file (not JSON: {e.msg} at line {e.lineno} column {e.colno})") from None
    except RecursionError:
        raise BadInput(f"{path}: JSON nested deeper than {lim['max_depth']} levels; "
                       f"allowed: at most {lim['max_depth']}") from None
    longest = max((len(m) - 2 for m in _STRING.findall(data)), default=0)
    if longest > lim["max_string_bytes"]:
        raise BadInput(f"{path}: a string of {longest} bytes; allowed: at most {lim['max_string_bytes']}")
    stack = [(doc, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, (dict, list)):
            if depth > lim["max_depth"]:
                raise BadInput(f"{path}: JSON nested deeper than {lim['max_depth']} levels; "
                               f"allowed: at most {lim['max_depth']}")
            stack.extend((x, depth + 1) for x in (v.values() if isinstance(v, dict) else v))
    if not isinstance(doc, dict) or not isinstance(doc.get("context"), dict) \
            or "lfbench_schema_version" not in doc["context"] or not isinstance(doc.get("benchmarks"), list):
        raise BadInput(f"{path}: not an lfbench results file (expected 'context' with lfbench_schema_version "
                       "and 'benchmarks'; write one with `lfbench run -o FILE`)")
    if len(doc["benchmarks"]) > lim["max_entries"]:
        raise BadInput(f"{path}: benchmarks has {len(doc['benchmarks'])} entries; "
                       f"allowed: at most {lim['max_entries']}")
    import jsonschema
    err = next(iter(jsonschema.Draft202012Validator(sch).iter_errors(doc)), None)
    if err is not None:
        raise BadInput(f"{path}: {_json_path(err.absolute_path)}: {err.message} (reports/results.schema.json)")
    # The rules lfbench compare adds to the schema, so both readers accept the same files: a
    # per-repetition entry has a time per operation in (0, 1000 s] and one repetition index.
    seen = set()
    for i, e in enumerate(doc["benchmarks"]):
        if e["run_type"] == "aggregate":
            continue
        if not 0 < e["real_time"] <= 1e12:
            raise BadInput(f"{path}: benchmarks[{i}].real_time is {e['real_time']}; "
                           "allowed: a positive time per op below 1000 s")
        key = (e["lfbench"]["id"], e.get("repetition_index", -1))
        if key in seen:
            raise BadInput(f"{path}: duplicate cell '{key[0]}' repetition {key[1]} (benchmarks[{i}])")
        seen.add(key)
    if not seen:
        raise BadInput(f"{path}: empty results (no benchmarks in the file)")
    return doc


def params_key(params):
    return tuple(sorted((params or {}).items()))


def pk_order(key):
    """A sort key for params keys whose values mix integers and strings (which do not compare)."""
    return tuple((k, isinstance(v, str), v) for k, v in key)


def params_label(key):
    return ", ".join(f"{k}={v}" for k, v in key) if key else "defaults"


def cells(doc):
    """{(scenario, params_key, threads): {primitive: sample}} from one results dict.

    A sample: ops (per-repetition ops/s), median/min/max ops/s, flags, ok, detail, latency_ns,
    fairness (from the median aggregate or, lacking it, the first repetition)."""
    # A parameter that some primitives of a scenario ignore (the map's shards) configures the
    # primitives that take it rather than the workload: it goes into their label, so that
    # sharded_mutex_map[shards=64] competes in the same workload cell as mutex_map.
    entries = [b["lfbench"] for b in doc["benchmarks"] if isinstance(b.get("lfbench"), dict)]
    common = {}
    for lf in entries:
        names = set((lf.get("params") or {}).keys())
        common[lf["scenario"]] = common.get(lf["scenario"], names) & names
    out = {}
    for b in doc["benchmarks"]:
        lf = b.get("lfbench")
        if not isinstance(lf, dict):
            continue
        params = lf.get("params") or {}
        shared = {k: v for k, v in params.items() if k in common[lf["scenario"]]}
        own = ",".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in shared)
        label = f"{lf['primitive']}[{own}]" if own else lf["primitive"]
        key = (lf["scenario"], params_key(shared), int(lf["threads"]))
        s = out.setdefault(key, {}).setdefault(label, {
            "ops": [], "flags": set(), "ok": True, "detail": "", "entry": None, "stats": lf.get("stats", {})})
        s["flags"].update(lf.get("flags", []))
        ver = lf.get("verification", {})
        if not ver.get("ok", True):
            s["ok"] = False
            s["detail"] = s["detail"] or ver.get("detail", "")
        if b.get("run_type", "iteration") == "iteration":
            s["ops"].append(float(lf["ops_per_sec"]))
            s["entry"] = s["entry"] or lf
        elif b.get("aggregate_name") == "median" or lf.get("aggregate") == "median":
            s["median_entry"] = lf
    for prims in out.values():
        for s in prims.values():
            if "invalid" in s["flags"]:
                s["ok"] = False
            if "known_broken" in s["flags"]:  # kept to show an oracle catching it: never ranked
                s["ok"] = False
                s["detail"] = "known broken (measured only to show its scenario's oracle catching it)" + (
                    ": " + s["detail"] if s["detail"] else "")
            st = s["stats"].get("ops_per_sec", {})
            if not s["ops"] and "median" in st:  # a file with aggregates only
                s["ops"] = [st["median"]]
            ops = s["ops"] or [0.0]
            s["median"] = statistics.median(ops)
            s["min"], s["max"] = min(ops), max(ops)
            e = s.pop("median_entry", None) or s["entry"] or {}
            s["latency_ns"] = e.get("latency_ns")
            s["fairness"] = e.get("fairness")
            s.pop("entry")
            s["flags"] = sorted(s["flags"])
    return out


def contention(threads, cpus):
    if threads <= 1:
        return "uncontended"
    return "oversubscribed" if cpus and threads > cpus else "contended"


# --------------------------------------------------------------------------- the matrix

def significance(a, b):
    """Two-sided Mann-Whitney U p-value for samples a vs b, or None when it cannot be computed."""
    if len(a) < 2 or len(b) < 2:
        return None
    if len(set(a) | set(b)) == 1:
        return 1.0
    from scipy.stats import mannwhitneyu
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def matrix(doc):
    """The recommendation matrix of one results dict: {"rows": [...], "excluded": [...]}.

    One row per workload cell (scenario + params + threads) with at least one valid primitive:
    winner (highest median ops/s), runner-up, margin (ratio of medians; None when the runner-up
    measured no operations), p-value, verdict
    ("significant" when p < ALPHA, else "tie"; "only" with a single primitive), noisy."""
    rows, excluded = [], []
    for (scenario, pk, threads), prims in sorted(cells(doc).items(), key=lambda kv: (kv[0][0], pk_order(kv[0][1]), kv[0][2])):
        valid = {}
        for prim, s in sorted(prims.items()):
            if s["ok"]:
                valid[prim] = s
            else:
                excluded.append({"scenario": scenario, "params": dict(pk), "threads": threads,
                                 "primitive": prim, "detail": s["detail"] or "flagged invalid"})
        if not valid:
            continue
        ranked = sorted(valid, key=lambda p: (-valid[p]["median"], p))
        w = ranked[0]
        row = {"scenario": scenario, "params": dict(pk), "threads": threads,
               "winner": w, "winner_ops_per_sec": valid[w]["median"], "runner_up": None,
               "runner_up_ops_per_sec": None, "margin": None, "p_value": None, "verdict": "only",
               "samples": len(valid[w]["ops"]), "noisy": "noisy" in valid[w]["flags"],
               "oversubscribed": "oversubscribed" in valid[w]["flags"],
               # measured while other processes had its CPUs: shown, never taken for the primitive
               "disturbed": "disturbed" in valid[w]["flags"],
               "ranking": [{"primitive": p, "ops_per_sec": valid[p]["median"]} for p in ranked]}
        if len(ranked) > 1:
            r = ranked[1]
            p = significance(valid[w]["ops"], valid[r]["ops"])
            row.update(runner_up=r, runner_up_ops_per_sec=valid[r]["median"],
                       margin=valid[w]["median"] / valid[r]["median"] if valid[r]["median"] > 0 else None,
                       p_value=p, verdict="significant" if p is not None and p < ALPHA else "tie",
                       noisy=row["noisy"] or "noisy" in valid[r]["flags"],
                       disturbed=row["disturbed"] or "disturbed" in valid[r]["flags"])
        rows.append(row)
    return {"rows": rows, "excluded": excluded}


def finite(x):
    """x with every float that is not finite replaced by None: JSON has no NaN or Infinity, so
    recommendations.json states such a figure as null."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [finite(v) for v in x]
    return x


def fmt_ratio(x):
    if x is None:
        return "—"
    if math.isinf(x):
        return "∞×"
    return f"{x:.2f}×" if x < 10 else f"{x:.0f}×"


def fmt_ops(x):
    for unit, f in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= f:
            return f"{x / f:.3g} {unit}ops/s"
    return f"{x:.3g} ops/s"


def summary(mat, cpus):
    """Per scenario and thread count (contention level): the best choice and the measured reason.

    Best = the highest geometric mean, over the group's parameter cells, of its throughput
    relative to each cell's leader: the choice that is right across the sweep, not in one cell.
    The reason quotes its margins over the runner-up and the slowest primitive where it leads
    most, and how close it stays to the leader where it does not lead."""
    groups = {}
    for r in mat["rows"]:
        if r["verdict"] != "only":
            groups.setdefault((r["scenario"], r["threads"]), []).append(r)
    lines = []
    for (scenario, threads), rows in sorted(groups.items()):
        rel = {}
        for r in rows:
            top = r["winner_ops_per_sec"]
            for x in r["ranking"]:
                rel.setdefault(x["primitive"], []).append(x["ops_per_sec"] / top if top > 0 else 0.0)
        complete = {p: v for p, v in rel.items() if len(v) == len(rows)} or rel
        best = max(sorted(complete), key=lambda p: statistics.geometric_mean([max(v, 1e-12) for v in complete[p]]))
        led = [r for r in rows if r["winner"] == best]
        sig = sum(r["verdict"] == "significant" for r in led)
        t = f"{threads} thread{'s' if threads > 1 else ''}"
        parts = []
        if led:
            cell = max(led, key=lambda r: r["margin"] or 0)
            slowest = cell["ranking"][-1]
            reason = f"{fmt_ratio(cell['margin'])} {cell['runner_up']}"
            if slowest["primitive"] != cell["runner_up"] and slowest["ops_per_sec"] > 0:
                reason += f", {fmt_ratio(cell['winner_ops_per_sec'] / slowest['ops_per_sec'])} {slowest['primitive']}"
            where = f" ({params_label(params_key(cell['params']))})" if cell["params"] else ""
            parts.append(f"{best} {reason} at {t}{where}")
            parts.append(f"leads {len(led)}/{len(rows)} cells, " +
                         ("all significant" if sig == len(led) else f"{sig} significant" if sig else "none significant (tie)"))
        else:
            parts.append(f"{best} leads no cell but is closest to the leader across them")
        others = [r for r in rows if r["winner"] != best]
        if others:
            worst = min(others, key=lambda r: next(x["ops_per_sec"] for x in r["ranking"] if x["primitive"] == best)
                        / r["winner_ops_per_sec"] if best in [x["primitive"] for x in r["ranking"]] else 0)
            mine = next((x["ops_per_sec"] for x in worst["ranking"] if x["primitive"] == best), None)
            if mine:
                where = f" at {params_label(params_key(worst['params']))}" if worst["params"] else ""
                parts.append(f"{'elsewhere' if led else 'everywhere'} ≥ {mine / worst['winner_ops_per_sec']:.2f}× "
                             f"the leader (worst: {worst['winner']}{where})")
        noisy = sum(r["noisy"] for r in rows)
        if noisy:
            parts.append(f"{noisy} noisy cell{'s' if noisy > 1 else ''}")
        disturbed = sum(r.get("disturbed", False) for r in rows)
        if disturbed:
            parts.append(f"{disturbed} cell{'s' if disturbed > 1 else ''} measured while other processes had the CPUs (disturbed)")
        lines.append({"scenario": scenario, "threads": threads, "contention": contention(threads, cpus),
                      "best": best, "significant": sig > 0,
                      "text": f"{scenario}, {t} ({contention(threads, cpus)}): " + parts[0] + "; " + "; ".join(parts[1:])})
    return lines


def crossovers(mat):
    """Where the leader changes along threads (and along each numeric parameter), in words:
    "striped_counter overtakes atomic_relaxed from 2 threads (read_pct=0)"."""
    rows = [r for r in mat["rows"] if r["verdict"] != "only"]
    out = []

    def walk(series, axis_name, unit, context):
        series = sorted(series, key=lambda t: t[0])
        for (x0, r0), (x1, r1) in zip(series, series[1:]):
            # A real overtaking: the old leader was ahead of the new one by NEAR at x0, and behind at x1.
            before = {p["primitive"]: p["ops_per_sec"] for p in r0["ranking"]}
            after = {p["primitive"]: p["ops_per_sec"] for p in r1["ranking"]}
            w0, w1 = r0["winner"], r1["winner"]
            if w1 != w0 and w1 in before and w0 in after and before[w0] >= NEAR * before[w1] \
                    and after[w1] >= NEAR * after[w0]:
                sure = "" if r1["verdict"] == "significant" else " (not significant)"
                out.append({"scenario": r1["scenario"], "axis": axis_name, "at": x1, "new": r1["winner"],
                            "old": r0["winner"], "significant": r1["verdict"] == "significant",
                            "text": f"{r1['scenario']}: {r1['winner']} overtakes {r0['winner']} from "
                                    f"{unit(x1)}{context}{sure}"})

    by_params = {}
    for r in rows:
        by_params.setdefault((r["scenario"], params_key(r["params"])), []).append((r["threads"], r))
    for (scenario, pk), series in sorted(by_params.items(), key=lambda kv: (kv[0][0], pk_order(kv[0][1]))):
        walk(series, "threads", lambda t: f"{t} thread{'s' if t > 1 else ''}",
             f" ({params_label(pk)})" if pk else "")
    for scenario in sorted({r["scenario"] for r in rows}):
        for name in ratio_params([r for r in rows if r["scenario"] == scenario]):
            groups = {}
            for r in rows:
                if r["scenario"] == scenario:
                    rest = tuple((k, v) for k, v in params_key(r["params"]) if k != name)
                    groups.setdefault((rest, r["threads"]), []).append((r["params"][name], r))
            for (rest, threads), series in sorted(groups.items(), key=lambda kv: (pk_order(kv[0][0]), kv[0][1])):
                ctx = f" at {threads} thread{'s' if threads > 1 else ''}" + (f", {params_label(rest)}" if rest else "")
                walk(series, name, lambda v, n=name: f"{n}={v}", ctx)
    return out


def ratio_params(rows):
    """Parameters numeric in every row that has them, with more than one value among these rows."""
    values, mixed = {}, set()
    for r in rows:
        for k, v in r["params"].items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                values.setdefault(k, set()).add(v)
            else:
                mixed.add(k)
    return sorted(k for k, vs in values.items() if len(vs) > 1 and k not in mixed)


# --------------------------------------------------------------------------- charts

# Twenty strong colours: tab10, then darker companions. A primitive's slot is crc32(id) mod 10
# (moved to the next free slot on a collision, in id order), so it keeps its colour in every chart
# of a report and, mostly, across reports.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#e6550d", "#31a354", "#843c39", "#7b4173", "#3182bd",
           "#8c6d31", "#637939", "#636363", "#de9ed6"]


def colours(primitives):
    """{primitive id: colour}, stable by id (see PALETTE)."""
    taken, out = set(), {}
    for p in sorted(primitives):
        i = zlib.crc32(p.encode()) % 10
        while i in taken and len(taken) < len(PALETTE):
            i = (i + 1) % len(PALETTE)
        taken.add(i)
        out[p] = PALETTE[i % len(PALETTE)]
    return out


def logical_cpus(doc):
    c = doc["context"]
    return c.get("lfbench_logical_cpus") or c.get("num_cpus")


def file_label(doc):
    c = doc["context"]
    return f"{c.get('lfbench_host') or c.get('host_name', '?')} · {str(c.get('date', '?'))[:16].replace('T', ' ')}"


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _log_if_decades(ax, values, axis="y"):
    vals = [v for v in values if v and v > 0]
    if vals and max(vals) / min(vals) >= 30:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")


def _grid(n_rows, n_cols, w=5.2, h=3.6):
    plt = _plt()
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(w * n_cols, h * n_rows + 0.6), squeeze=False)
    return plt, fig, axes


def throughput_figure(docs, scenario, cmap):
    """Throughput vs threads per primitive (median, min–max bars), dashed ideal linear scaling
    from each primitive's 1-thread point. Rows: parameter sets; columns: input files."""
    all_cells = [cells(d) for d in docs]
    pks = sorted({pk for c in all_cells for (s, pk, _) in c if s == scenario}, key=pk_order)
    shown = pks[:MAX_PANEL_ROWS]
    plt, fig, axes = _grid(len(shown), len(docs))
    from matplotlib.ticker import EngFormatter
    for col, (doc, cs) in enumerate(zip(docs, all_cells)):
        cpus = logical_cpus(doc) or 10 ** 6
        for row, pk in enumerate(shown):
            ax = axes[row][col]
            series = {}
            for (s, k, t), prims in cs.items():
                if s == scenario and k == pk:
                    for prim, smp in prims.items():
                        if smp["ok"]:
                            series.setdefault(prim, []).append((t, smp))
            values = []
            for prim, pts in sorted(series.items()):
                pts.sort(key=lambda x: x[0])
                ts = [t for t, _ in pts]
                med = [s["median"] for _, s in pts]
                err = [[m - s["min"] for m, (_, s) in zip(med, pts)], [s["max"] - m for m, (_, s) in zip(med, pts)]]
                ax.errorbar(ts, med, yerr=err, marker="o", ms=4, capsize=3, color=cmap[prim], label=prim)
                values += [s["min"] for _, s in pts] + [s["max"] for _, s in pts]
                if ts[0] == 1 and len(ts) > 1:  # ideal: linear up to the logical CPUs, flat beyond
                    ax.plot(ts, [med[0] * min(t, cpus) for t in ts], ls="--", lw=1, color=cmap[prim], alpha=0.5)
            ax.set_xscale("log", base=2)
            threads = sorted({t for pts in series.values() for t, _ in pts}) or [1]
            ax.set_xticks(threads, [str(t) for t in threads])
            _log_if_decades(ax, values)
            ax.yaxis.set_major_formatter(EngFormatter())
            ax.set_xlabel("threads")
            ax.set_ylabel("throughput (ops/s; median, bars min–max)")
            ax.set_title(f"{params_label(pk)}\n{file_label(doc)}", fontsize=9)
            ax.grid(True, alpha=0.3)
            if series:
                ax.legend(fontsize=7, loc="best")
    more = f"; first {len(shown)} of {len(pks)} parameter sets" if len(pks) > len(shown) else ""
    fig.suptitle(f"{scenario}: throughput vs threads\n(dashed: ideal linear scaling from 1 thread, up to the logical CPUs{more})",
                 fontsize=10)
    fig.tight_layout()
    return fig


def heatmap_figures(docs, scenario, cmap):
    """{name: figure}: for each ratio/size parameter, the winner over (parameter × threads),
    annotated with the margin over the runner-up; '≈' marks a tie. Columns: input files."""
    mats = [matrix(d) for d in docs]
    names = sorted({n for m in mats for n in ratio_params([r for r in m["rows"] if r["scenario"] == scenario])})
    names = names[:MAX_HEATMAPS]
    figs = {}
    for name in names:
        plt, fig, axes = _grid(1, len(docs), w=5.8, h=4.2)
        for col, (doc, m) in enumerate(zip(docs, mats)):
            ax = axes[0][col]
            rows = [r for r in m["rows"] if r["scenario"] == scenario and name in r["params"]]
            # Other parameters fixed at their first value so the grid is two-dimensional.
            others = {}
            for r in rows:
                for k, v in r["params"].items():
                    if k != name:
                        others.setdefault(k, []).append(v)
            fixed = {k: sorted(set(v), key=str)[0] for k, v in others.items()}
            rows = [r for r in rows if all(r["params"].get(k) == v for k, v in fixed.items())]
            if not rows:  # this file did not sweep the parameter: an empty panel says so
                ax.axis("off")
                ax.set_title(f"{name} not swept in\n{file_label(doc)}", fontsize=9)
                continue
            xs = sorted({r["params"][name] for r in rows})
            ts = sorted({r["threads"] for r in rows})
            import matplotlib.colors as mcolors
            img = [[(1, 1, 1)] * len(ts) for _ in xs]
            for r in rows:
                i, j = xs.index(r["params"][name]), ts.index(r["threads"])
                rgb = mcolors.to_rgb(cmap[r["winner"]])
                if r["verdict"] != "significant":
                    rgb = tuple(0.55 * c + 0.45 for c in rgb)  # paler: not significant
                img[i][j] = rgb
                if len(xs) * len(ts) > MAX_LABELLED_HEATMAP_CELLS:
                    continue  # too many cells to read a label in; the colours still show the winner
                label = f"{r['winner']}\n{'≈' if r['verdict'] == 'tie' else ''}{fmt_ratio(r['margin'])}"
                ax.text(j, i, label, ha="center", va="center", fontsize=7)
            ax.imshow(img, aspect="auto", origin="lower")
            ax.set_xticks(range(len(ts)), [str(t) for t in ts])
            ax.set_yticks(range(len(xs)), [str(x) for x in xs])
            ax.set_xlabel("threads")
            ax.set_ylabel(name)
            extra = f", {params_label(params_key(fixed))}" if fixed else ""
            ax.set_title(f"winner and margin over runner-up{extra}\n{file_label(doc)}", fontsize=9)
        fig.suptitle(f"{scenario}: best primitive over {name} × threads\n(pale and ≈: not significant)", fontsize=10)
        fig.tight_layout()
        figs[name] = fig
    return figs


def latency_figure(docs, scenario, cmap):
    """Latency percentiles (p50/p90/p99/p99.9/max) per primitive, one row per thread count, for
    the first parameter set that has latency samples; None when no cell measured latency."""
    all_cells = [cells(d) for d in docs]
    picked = {}
    for cs in all_cells:
        for (s, pk, t), prims in sorted(cs.items(), key=lambda kv: (kv[0][0], pk_order(kv[0][1]), kv[0][2])):
            if s == scenario and any(v["latency_ns"] for v in prims.values()):
                picked.setdefault(pk, set()).add(t)
    if not picked:
        return None
    pk = sorted(picked, key=pk_order)[0]
    ts = sorted(picked[pk])[:MAX_PANEL_ROWS]
    pcts = ["p50", "p90", "p99", "p999", "max"]
    plt, fig, axes = _grid(len(ts), len(docs), w=5.8, h=3.4)
    for col, (doc, cs) in enumerate(zip(docs, all_cells)):
        for row, t in enumerate(ts):
            ax = axes[row][col]
            prims = {p: s for p, s in sorted(cs.get((scenario, pk, t), {}).items()) if s["ok"] and s["latency_ns"]}
            values = []
            for i, (prim, s) in enumerate(prims.items()):
                ys = [s["latency_ns"].get(q) for q in pcts]
                ax.plot(range(len(pcts)), ys, marker="o", color=cmap[prim], label=prim)
                values += [y for y in ys if y]
            ax.set_xticks(range(len(pcts)), ["p50", "p90", "p99", "p99.9", "max"])
            _log_if_decades(ax, values)
            ax.set_xlabel("percentile")
            ax.set_ylabel("latency per op (ns)")
            cal = doc["context"].get("lfbench_calibration") or {}
            # Files since the cycle-counter timer subtract its cost; older ones include steady_clock's.
            if cal.get("latency_timer_overhead_ns") is not None:
                timer_note = f"; timer cost {cal['latency_timer_overhead_ns']} ns subtracted"
            else:
                timer_note = f"; includes timer cost {cal['timer_ns']} ns" if cal.get("timer_ns") else ""
            ax.set_title(f"{t} thread{'s' if t > 1 else ''}, {params_label(pk)}" + timer_note
                         + f"\n{file_label(doc)}", fontsize=9)
            ax.grid(True, alpha=0.3)
            if prims:
                ax.legend(fontsize=7)
            else:
                ax.text(0.5, 0.5, "no latency measured\n(lfbench run --latency)", ha="center", va="center",
                        transform=ax.transAxes, color="#666")
    fig.suptitle(f"{scenario}: operation latency percentiles\n(sampled operations)", fontsize=10)
    fig.tight_layout()
    return fig


def fairness_figure(docs, scenario, cmap):
    """Jain's fairness index per primitive vs threads (worst over parameter sets): 1 = every
    thread did the same number of ops, 1/N = one thread did them all. None below 2 threads."""
    all_cells = [cells(d) for d in docs]
    if not any(t > 1 for cs in all_cells for (s, _, t) in cs if s == scenario):
        return None
    plt, fig, axes = _grid(1, len(docs))
    for col, (doc, cs) in enumerate(zip(docs, all_cells)):
        ax = axes[0][col]
        series = {}
        for (s, _, t), prims in cs.items():
            if s == scenario and t > 1:
                for prim, smp in prims.items():
                    if smp["ok"] and smp["fairness"]:
                        d = series.setdefault(prim, {})
                        d[t] = min(d.get(t, 1.0), smp["fairness"]["jain"])
        for prim, d in sorted(series.items()):
            ts = sorted(d)
            ax.plot(ts, [d[t] for t in ts], marker="o", color=cmap[prim], label=prim)
        threads = sorted({t for d in series.values() for t in d}) or [2]
        ax.set_xscale("log", base=2)
        ax.set_xticks(threads, [str(t) for t in threads])
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("threads")
        ax.set_ylabel("Jain's fairness index (1 = equal share)")
        ax.set_title(file_label(doc), fontsize=9)
        ax.grid(True, alpha=0.3)
        if series:
            ax.legend(fontsize=7)
    fig.suptitle(f"{scenario}: fairness of per-thread op counts\n(worst over parameter sets)", fontsize=10)
    fig.tight_layout()
    return fig


def figures(docs, scenario, cmap):
    """{chart file stem: figure} for one scenario."""
    figs = {f"{scenario}-throughput": throughput_figure(docs, scenario, cmap)}
    for name, fig in heatmap_figures(docs, scenario, cmap).items():
        figs[f"{scenario}-winner-{name}"] = fig
    for stem, fig in ((f"{scenario}-latency", latency_figure(docs, scenario, cmap)),
                      (f"{scenario}-fairness", fairness_figure(docs, scenario, cmap))):
        if fig is not None:
            figs[stem] = fig
    return figs


# --------------------------------------------------------------------------- documents

def matrix_table(mat, c2c_ns=None):
    """The matrix as rows of strings (header first), shared by HTML and Markdown. The winner's
    cost is per operation per thread, also in core-to-core round trips (the contended floor)."""
    head = ["scenario", "params", "threads", "winner", "runner-up", "margin", "p", "verdict",
            "winner ns/op/thread" + (" (× c2c)" if c2c_ns else "")]
    rows = [head]
    for r in mat["rows"]:
        cost = r["threads"] * 1e9 / r["winner_ops_per_sec"] if r["winner_ops_per_sec"] > 0 else math.inf
        cost_text = f"{cost:.3g}" + (f" ({cost / c2c_ns:.2g}×)" if c2c_ns else "")
        verdict = (r["verdict"] + (" · noisy" if r["noisy"] else "") + (" · disturbed" if r.get("disturbed") else "")
                   + (" · oversubscribed" if r["oversubscribed"] else ""))
        rows.append([r["scenario"], params_label(params_key(r["params"])), str(r["threads"]),
                     f"{r['winner']} ({fmt_ops(r['winner_ops_per_sec'])})", r["runner_up"] or "—",
                     fmt_ratio(r["margin"]), "—" if r["p_value"] is None else f"{r['p_value']:.3f}", verdict, cost_text])
    return rows


def recommendations(docs, paths):
    out = []
    for doc, path in zip(docs, paths):
        m = matrix(doc)
        cpus = logical_cpus(doc)
        out.append({"file": str(path), "host": doc["context"].get("lfbench_host") or doc["context"].get("host_name"),
                    "date": doc["context"].get("date"), "alpha": ALPHA, "cells": m["rows"], "excluded": m["excluded"],
                    "summary": summary(m, cpus), "crossovers": crossovers(m)})
    return out


def small_n_note(recs):
    n = min((c["samples"] for r in recs for c in r["cells"] if c["verdict"] != "only"), default=0)
    if 0 < n < 4:
        return (f"Only {n} repetitions per cell: a two-sided Mann-Whitney test cannot reach p < {ALPHA} "
                "with fewer than 4 per side, so every cell is a tie. Run with --repetitions 5 or more to separate them.")
    return ""


def environment(doc):
    c = doc["context"]
    cal = c.get("lfbench_calibration") or {}
    items = [("host", c.get("lfbench_host") or c.get("host_name")), ("date", c.get("date")),
             ("CPU", c.get("lfbench_cpu_model")), ("logical CPUs", c.get("lfbench_logical_cpus") or c.get("num_cpus")),
             ("topology", c.get("lfbench_topology")), ("kernel", c.get("lfbench_kernel")),
             ("virtualised", c.get("lfbench_virtualized")), ("compiler", c.get("lfbench_compiler")),
             ("build type", c.get("lfbench_build_type")), ("lfbench", f"{c.get('lfbench_version')} ({c.get('lfbench_git_sha')})"),
             ("libraries", c.get("lfbench_libraries")), ("load average at start", c.get("lfbench_load_avg")),
             ("pinning", c.get("lfbench_pin")), ("command", " ".join(c.get("lfbench_command_line") or [])),
             ("incomplete run", c.get("lfbench_incomplete")),
             ("calibration: core-to-core round trip", f"{cal.get('c2c_round_trip_ns')} ns (p10 {cal.get('c2c_p10_ns')}, "
                                                      f"p90 {cal.get('c2c_p90_ns')}{', BIMODAL' if cal.get('c2c_bimodal') else ''})"),
             ("calibration: uncontended atomic RMW", f"{cal.get('atomic_rmw_ns')} ns"),
             ("calibration: timer cost", f"{cal.get('timer_ns')} ns")]
    if c.get("library_build_type") == "debug":
        items.append(("note", "Google Benchmark's library is a debug build here; lfbench times its own windows, "
                              "so the figures are unaffected."))
    return [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in items if v is not None]


def _sections(docs, paths, recs):
    """The report as a list of (kind, payload) blocks, rendered by to_html and to_markdown."""
    blocks = [("h1", CAPTION), ("p", "Inputs: " + "; ".join(f"{p} ({file_label(d)})" for d, p in zip(docs, paths)))]
    note = small_n_note(recs)
    for rec, doc in zip(recs, docs):
        suffix = f" — {file_label(doc)}" if len(docs) > 1 else ""
        blocks.append(("h2", "Recommendation matrix" + suffix))
        blocks.append(("p", f"Per workload cell: the fastest primitive by median throughput, the runner-up, the "
                            f"margin (ratio of medians) and a two-sided Mann-Whitney U test over repetitions "
                            f"(significant if p < {ALPHA}; otherwise a tie)."))
        if note:
            blocks.append(("p", note))
        blocks.append(("h3", "Summary"))
        blocks.append(("ul", [s["text"] for s in rec["summary"]] or ["(no cell with two or more primitives)"]))
        blocks.append(("h3", "Crossovers"))
        blocks.append(("ul", [c["text"] for c in rec["crossovers"]] or ["none: the leader is the same in every cell"]))
        if rec["excluded"]:
            blocks.append(("h3", "Excluded (verification failed, or known broken)"))
            blocks.append(("ul", [f"{e['scenario']}/{e['primitive']} {params_label(params_key(e['params']))}, "
                                  f"{e['threads']} threads: {e['detail']}" for e in rec["excluded"]]))
        blocks.append(("h3", "All cells"))
        c2c = (doc["context"].get("lfbench_calibration") or {}).get("c2c_round_trip_ns")
        blocks.append(("table", matrix_table({"rows": rec["cells"]}, c2c)))
    return blocks


def to_html(blocks, charts, envs):
    """One self-contained page. charts: [(scenario, [(stem, png bytes)])]; envs: [(label, items)]."""
    e = html.escape
    out = ["<!doctype html><html lang='en'><head><meta charset='utf-8'><title>lfbench report</title><style>",
           "body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px;color:#222}"
           "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
           "th{background:#f0f0f0}img{max-width:100%;border:1px solid #eee;margin:.5em 0}"
           "code{background:#f4f4f4}</style></head><body>"]
    for kind, payload in blocks:
        if kind in ("h1", "h2", "h3", "p"):
            out.append(f"<{kind}>{e(payload)}</{kind}>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in payload) + "</ul>")
        elif kind == "table":
            out.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in payload[0]) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in payload[1:])
                       + "</table>")
    for scenario, imgs in charts:
        out.append(f"<h2>Scenario: {e(scenario)}</h2>")
        for stem, png in imgs:
            out.append(f"<p><img alt='{e(stem)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'></p>")
    out.append("<h2>Environment and calibration</h2>")
    for label, items in envs:
        out.append(f"<h3>{e(label)}</h3><table>" + "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in items) + "</table>")
    out.append("</body></html>\n")
    return "\n".join(out)


def to_markdown(blocks, charts, envs):
    def cell(x):
        return str(x).replace("|", "\\|")
    out = []
    for kind, payload in blocks:
        if kind == "h1":
            out.append(f"# {payload}\n")
        elif kind == "h2":
            out.append(f"## {payload}\n")
        elif kind == "h3":
            out.append(f"### {payload}\n")
        elif kind == "p":
            out.append(f"{payload}\n")
        elif kind == "ul":
            out.append("\n".join(f"- {x}" for x in payload) + "\n")
        elif kind == "table":
            out.append("| " + " | ".join(map(cell, payload[0])) + " |")
            out.append("|" + "---|" * len(payload[0]))
            out += ["| " + " | ".join(map(cell, r)) + " |" for r in payload[1:]]
            out.append("")
    for scenario, imgs in charts:
        out.append(f"## Scenario: {scenario}\n")
        out += [f"![{stem}]({stem}.png)\n" for stem, _ in imgs]
    out.append("## Environment and calibration\n")
    for label, items in envs:
        out.append(f"### {label}\n\n| | |\n|---|---|")
        out += [f"| {cell(k)} | {cell(v)} |" for k, v in items]
        out.append("")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(prog="lfbench report", description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+", help="lfbench results files (several: side-by-side panels)")
    ap.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    ap.add_argument("--force", action="store_true", help="write into a non-empty DIR")
    return ap.parse_args(argv)


# What a report directory holds: --force replaces only a directory holding nothing else.
REPORT_SUFFIXES = {".png", ".svg", ".html", ".md", ".json"}


class _Interrupted(Exception):
    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, _frame):
    # Once: a second signal (Ctrl-C reaches both lfbench report and this process, which lfbench
    # then forwards) must not interrupt the clean-up of the first.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    raise _Interrupted(signum)


def _check_target(out, force):
    if out.exists() and not out.is_dir():
        raise BadInput(f"{out}: exists and is not a directory")
    parent = out.absolute().parent
    if not parent.is_dir():
        raise BadInput(f"{out}: directory '{parent}' does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BadInput(f"{out}: directory '{parent}' is not writable")
    if out.is_dir():
        entries = list(out.iterdir())
        if entries and not force:
            raise BadInput(f"{out}: directory is not empty (use --force to replace a previous report)")
        foreign = [e.name for e in entries if not e.is_file() or e.suffix not in REPORT_SUFFIXES]
        if foreign:
            raise BadInput(f"{out}: holds {', '.join(sorted(foreign)[:3])}, which a report does not write; "
                           "--force replaces only a previous report: choose another directory")


def _exchange(a, b):
    """Atomically swaps two directory entries (renameat2 RENAME_EXCHANGE); False if the kernel or
    the file system cannot."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        at_fdcwd, rename_exchange = -100, 2
        return libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
    except (OSError, AttributeError):
        return False


def _replace(tmp, out):
    """Puts the finished tmp directory at out. out either does not exist (a rename), or holds a
    previous report or nothing: swapped atomically, so a reader sees the old report or the new,
    never a mix, and the old one is removed after."""
    if not out.exists():
        os.rename(tmp, out)
        return
    if not _exchange(tmp, out):
        old = tmp.with_name(tmp.name + "-old")
        os.rename(out, old)
        os.rename(tmp, out)
        tmp = old
    shutil.rmtree(tmp, ignore_errors=True)


def write_report(docs, paths, out):
    """Every file of the report, into out (an empty directory)."""
    plt = _plt()
    recs = recommendations(docs, paths)
    scenarios = sorted({s for d in docs for (s, _, _) in cells(d)})
    cmap = colours({p for d in docs for prims in cells(d).values() for p in prims})
    charts = []
    for scenario in scenarios[:MAX_CHARTED_SCENARIOS]:
        imgs = []
        for stem, fig in figures(docs, scenario, cmap).items():
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=100)
            (out / f"{stem}.png").write_bytes(buf.getvalue())
            fig.savefig(out / f"{stem}.svg")
            plt.close(fig)
            imgs.append((stem, buf.getvalue()))
        charts.append((scenario, imgs))
    blocks = _sections(docs, paths, recs)
    if len(scenarios) > MAX_CHARTED_SCENARIOS:
        blocks.append(("p", f"Charts are drawn for the first {MAX_CHARTED_SCENARIOS} of {len(scenarios)} scenarios; "
                            "the matrix above covers all of them."))
    envs = [(f"{p} ({file_label(d)})", environment(d)) for d, p in zip(docs, paths)]
    (out / "index.html").write_text(to_html(blocks, charts, envs))
    (out / "report.md").write_text(to_markdown(blocks, charts, envs))
    # Strict JSON: a figure that is not finite is written as null (see finite()).
    (out / "recommendations.json").write_text(
        json.dumps(finite({"schema_version": 1, "files": recs}), indent=2, allow_nan=False) + "\n")
    return sum(len(i) for _, i in charts)


def one_line(text, limit=1000):
    """A message as one line: control characters escaped, cut at limit characters."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return text if len(text) <= limit else text[:limit] + "..."


def main(argv=None):
    # Everything is written into a temporary directory beside the target and moved into place at
    # the end: interrupted (SIGINT, SIGTERM, SIGHUP, or the parent's death via lfbench report's
    # PR_SET_PDEATHSIG), the report leaves nothing behind and a previous report untouched.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    out = Path(args.output)
    tmp = None
    try:
        try:
            docs = [load_results(p) for p in args.results]
            _check_target(out, args.force)
        except BadInput as e:
            print(f"lfbench report: {one_line(e)}", file=sys.stderr)
            return 2
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.lfbench-tmp-", dir=out.absolute().parent))
        n = write_report(docs, args.results, tmp)
        # No interruption between the swap and the removal of the old report.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
        _replace(tmp, out)
        tmp = None
    except _Interrupted as e:
        print(f"lfbench report: interrupted ({signal.Signals(e.signum).name}); nothing written", file=sys.stderr)
        return 128 + e.signum
    except Exception as e:  # noqa: BLE001  a bug, not bad input: one line, not a traceback
        print(f"lfbench report: internal error: {one_line(f'{type(e).__name__}: {e}')} "
              "(please report it with the input file)", file=sys.stderr)
        return 3
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"wrote {out}/index.html, report.md, recommendations.json and {n} charts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
