"""report --history DB: a trend chart per series (a cell on a machine) of an lfbench history
database (lfbench history add): each run's median ns/op with the range of its windows, each
segment's level, and the change points marked with their size and verdict.

The series are read from the SQLite file itself, read-only (sqlite3, URI mode=ro); the change
points and verdicts are lfbench history check's, run by the lfbench binary (--format json), so
the report and the nightly gate give one answer, as --diff does with compare."""
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import urllib.parse
from pathlib import Path

from .load import TITLE_CHARS, BadInput, one_line

# What this report reads: the schema versions of the store (cli/history/store.hpp).
HISTORY_SCHEMA_VERSIONS = (1,)
HISTORY_APPLICATION_ID = 0x6C666268  # "lfbh"
# check's exit codes that come with a report (0 ok, 1 regression, 4 inconclusive).
CHECK_EXITS = (0, 1, 4)
# Bounds on what one report draws.
MAX_HISTORY_CHARTS = 48
VERDICT_COLOURS = {"slower": "#d62728", "faster": "#2ca02c", "same": "#7f7f7f", "inconclusive": "#ff7f0e"}


def history_connect(path):
    """A read-only connection to the database at path, checked: BadInput (one line naming it)
    for a missing, damaged, foreign or newer file."""
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"--history {path}: no such history database (lfbench history add creates it)")
    uri = "file:" + urllib.parse.quote(str(p.absolute())) + "?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True)
        ok = con.execute("PRAGMA quick_check(1)").fetchone()[0]
        if ok != "ok":
            raise BadInput(f"--history {path}: a damaged lfbench history database (SQLite quick_check: {one_line(ok, 200)})")
        app = con.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
        if app != HISTORY_APPLICATION_ID or "meta" not in tables:
            raise BadInput(f"--history {path}: not an lfbench history database; allowed: a file lfbench history add made")
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row and str(row[0]).isdigit() else None
        if version not in HISTORY_SCHEMA_VERSIONS:
            raise BadInput(f"--history {path}: schema version {version} is not one this report reads; allowed: "
                           + ", ".join(map(str, HISTORY_SCHEMA_VERSIONS)))
        return con
    except sqlite3.Error as e:
        raise BadInput(f"--history {path}: not a readable lfbench history database ({one_line(e, 200)})") from None


def load_history(path, branch=None):
    """{"path", "machines": {id: {...}}, "runs": {run id: {...}}, "series": [{"cell", "machine",
    "points": [{"run", "commit", "date", "median", "low", "high", "windows"}]}]}: each run's median
    and range over its clean windows (not disturbed), failed cells left out; runs in time order."""
    con = history_connect(path)
    # Text as written even when it is not UTF-8 (a damaged row is shown, not a traceback).
    con.text_factory = lambda b: b.decode("utf-8", "replace")
    try:
        machines = {}
        for mid, fp, cpu, ncpu, topo, build in con.execute(
                "SELECT id, fingerprint, cpu_model, logical_cpus, topology, build_type FROM machines"):
            machines[mid] = {"id": "m" + fp[:8], "cpu_model": cpu, "logical_cpus": ncpu, "topology": topo,
                             "build_type": build, "label": f"{cpu}, {ncpu} CPUs, {build}"}
        runs, order = {}, []
        for rid, commit, br, date, t, mid in con.execute(
                "SELECT id, commit_sha, branch, date, time, machine_id FROM runs ORDER BY time, id"):
            if branch is not None and br != branch:
                continue
            runs[rid] = {"id": rid, "commit": commit, "branch": br, "date": date, "time": t, "machine": mid}
            order.append(rid)
        position = {rid: k for k, rid in enumerate(order)}
        windows = {}
        for rid, key, ns in con.execute(
                "SELECT c.run_id, c.key, w.ns_per_op FROM cells c JOIN windows w ON w.cell_id = c.id "
                "WHERE c.verified = 1 AND w.disturbed = 0"):
            if rid in runs:
                if not isinstance(ns, (int, float)) or not 0 < ns <= 1e12 or runs[rid]["machine"] not in machines:
                    raise BadInput(f"--history {path}: damaged: a window of {one_line(str(key), 200)} has ns/op "
                                   f"{one_line(repr(ns), 40)} or no machine; allowed: a file lfbench history add made")
                windows.setdefault((key, runs[rid]["machine"]), {}).setdefault(rid, []).append(ns)
    except sqlite3.Error as e:
        raise BadInput(f"--history {path}: not a readable lfbench history database ({one_line(e, 200)})") from None
    finally:
        con.close()
    series = []
    for (key, mid), by_run in sorted(windows.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        points = []
        for rid in sorted(by_run, key=position.get):
            ns = by_run[rid]
            r = runs[rid]
            points.append({"run": rid, "commit": r["commit"], "date": r["date"], "median": statistics.median(ns),
                           "low": min(ns), "high": max(ns), "windows": len(ns)})
        series.append({"cell": key, "machine": machines[mid]["id"], "points": points})
    return {"path": str(path), "machines": {m["id"]: m for m in machines.values()}, "runs": runs, "series": series}


def history_check(lfbench, path, branch=None):
    """lfbench history check's JSON document for the database (see cli/history/check.hpp);
    BadInput with check's own message when it refuses the input."""
    exe = lfbench or os.environ.get("LFBENCH_BIN") or shutil.which("lfbench")
    if not exe:
        raise BadInput("--history: lfbench not found to run `lfbench history check` (run `lfbench report --history`, "
                       "or pass --lfbench PATH or set LFBENCH_BIN)")
    argv = [exe, "history", "check", "--db", str(path), "--format", "json"]
    if branch is not None:
        argv += ["--branch", branch]
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    except OSError as e:
        raise BadInput(f"--history: cannot run {exe} history check: {e.strerror}") from None
    if p.returncode not in CHECK_EXITS:
        why = (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1]
        raise BadInput(f"--history: lfbench history check: {one_line(why, 500)}")
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError:
        raise BadInput(f"--history: {exe} history check --format json wrote no JSON: {one_line(p.stdout, 200)}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("series"), list) or "headline" not in doc:
        raise BadInput(f"--history: {exe} history check --format json wrote no check (no series and headline)")
    return doc


def _changes_by_series(check):
    """{(cell, machine id): check's series entry}."""
    return {(s.get("cell"), s.get("machine")): s for s in check.get("series", []) if isinstance(s, dict)}


def history_figure(series, entry, plt):
    """One series' trend: medians with their windows' range, each segment's level (the median of
    its runs' medians), change points as vertical lines labelled with size and verdict."""
    pts = series["points"]
    xs = list(range(len(pts)))
    med = [p["median"] for p in pts]
    fig, ax = plt.subplots(figsize=(13.0, 3.4))
    ax.errorbar(xs, med, yerr=[[m - p["low"] for m, p in zip(med, pts)], [p["high"] - m for m, p in zip(med, pts)]],
                fmt="o", ms=3.5, lw=1, capsize=2, color="#1f77b4", ecolor="#9ecae1", label="run median (bar: windows)")
    index = {p["run"]: k for k, p in enumerate(pts)}
    cuts = []
    for ch in (entry or {}).get("changes") or []:
        k = index.get(ch.get("run_after"))
        if k is None:
            continue
        cuts.append(k)
        colour = VERDICT_COLOURS.get(ch.get("verdict"), "#7f7f7f")
        ax.axvline(k - 0.5, color=colour, ls="--", lw=1.2)
        ratio = ch.get("ratio")
        text = (f"{(ratio - 1) * 100:+.1f}% " if isinstance(ratio, (int, float)) else "") + str(ch.get("verdict", ""))
        ax.annotate(one_line(text, 40), (k - 0.5, 1), xycoords=("data", "axes fraction"), xytext=(3, -12),
                    textcoords="offset points", color=colour, fontsize=8)
    bounds = [0] + sorted(set(cuts)) + [len(pts)]
    for a, b in zip(bounds, bounds[1:]):
        if b > a:
            level = statistics.median(med[a:b])
            ax.hlines(level, a - 0.4, b - 0.6, colors="#555555", linestyles=":", lw=1)
    step = max(1, len(pts) // 30)
    ax.set_xticks(xs[::step])
    ax.set_xticklabels([one_line(p["commit"], 12) for p in pts][::step], rotation=60, ha="right", fontsize=7)
    ax.set_xlim(-0.7, len(pts) - 0.3)
    ax.set_ylabel("ns/op")
    verdict = (entry or {}).get("verdict", "not judged")
    ax.set_title(one_line(f"{series['cell']} on {series['machine']}: {verdict}", TITLE_CHARS), fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def history_sections(hist, check, plt):
    """The history part of a report: (blocks, {scenario: {chart name: figure}}, envs)."""
    entries = _changes_by_series(check)
    rows = [["verdict", "cell", "machine", "runs", "note"]]
    for s in check.get("series", []):
        rows.append([str(s.get("verdict")), str(s.get("cell")), str(s.get("machine")), str(s.get("runs")),
                     one_line(s.get("note", ""), 500)])
    o = check.get("options") or {}
    blocks = [("h2", "History"),
              ("p", f"Database {hist['path']}: {len(hist['runs'])} runs, {len(hist['machines'])} machines, "
                    f"{len(hist['series'])} series (a cell on a machine). Change points and verdicts are lfbench "
                    f"history check's (alpha {o.get('alpha', 0.05):g}, threshold {o.get('threshold_pct', 5):g}%): "
                    f"{check.get('headline', '')}. lfbench history check exits {check.get('exit_code')}."),
              ("p", "Each chart: a run's median ns/op, its bar the range of its clean windows; dotted lines the "
                    "level of each segment; dashed lines the change points, labelled with the step's size "
                    "(after/before) and verdict. Same command: lfbench history check --db DB."),
              ("table", rows)]
    figures = {}
    for s in hist["series"][:MAX_HISTORY_CHARTS]:
        scenario = s["cell"].split("/", 1)[0]
        figures.setdefault(scenario, {})[f"history_{s['cell']}_{s['machine']}"] = history_figure(
            s, entries.get((s["cell"], s["machine"])), plt)
    if len(hist["series"]) > MAX_HISTORY_CHARTS:
        blocks.append(("p", f"Trend charts are drawn for the first {MAX_HISTORY_CHARTS} of {len(hist['series'])} "
                            "series; the table covers all of them."))
    envs = [(f"machine {m['id']}", [("CPU", m["cpu_model"]), ("logical CPUs", str(m["logical_cpus"])),
                                   ("build type", m["build_type"]), ("topology", one_line(m["topology"], 500))])
            for m in hist["machines"].values()]
    return blocks, figures, envs
