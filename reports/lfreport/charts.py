"""Charts: one figure per question, its kind chosen by the shape of the data.

- threads vary: throughput lines over threads, one panel per parameter set;
- a numeric workload parameter varies (read_pct, entries, updates_per_sec, payload_bytes, ...):
  lines over it, one panel per thread count;
- a numeric primitive parameter varies (the map's shards): lines over it for the primitives that
  take it, the others as dashed reference lines ("how many shards?");
- one point per primitive (one thread count, nothing swept): bars with min-max whiskers;
- two numeric axes vary: a heatmap of the winner;
- each of these again relative to the scenario's baseline primitive (log axis);
- scenario measures (cow's writer side, queue deliveries, metrics' snapshot cost, per-op-kind
  rates) and fairness per CPU time as one figure of small multiples; latency percentiles.
Every panel of a figure shares its axes; columns are input files; one legend outside the panels;
at most MAX_SERIES primitives per panel (more are split over further rows).
"""
import textwrap
import zlib

from .load import TITLE_CHARS, cells, file_label, one_line, params_key, params_label, pk_order, split_label
from .stats import disqualified, fmt_ratio, matrix, ratio_params

# Bounds on what one report draws, so that a file with thousands of parameter sets, thread
# counts or scenarios renders in seconds: the matrix still lists every cell.
MAX_CHARTED_SCENARIOS = 16
MAX_PANEL_ROWS = 8
MAX_HEATMAPS = 6
MAX_LABELLED_HEATMAP_CELLS = 400
MAX_SERIES = 8  # lines per panel: more is spaghetti
FIG_WIDTH = 13.0  # inches at 100 dpi: the page's full width
ROW_HEIGHT = 2.9
# Scenario measures share one figure of small multiples (fewer, lighter images) up to this many
# panels, over this many columns when there is one file.
MAX_MEASURE_PANELS = 12
MEASURE_COLUMNS = 3

# Twenty colours: tab10, then ten that stay apart from them (tab20's dark companions were too
# close: seqlock's beside std_mutex's orange could not be told apart).
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#111111", "#9edae5", "#e7ba52", "#7b4173", "#aec7e8",
           "#8c6d31", "#637939", "#ff9896", "#de9ed6"]
MARKERS = "osD^vP*Xph"


def _slot(base):
    """A primitive id's own PALETTE slot: a function of the id alone, so that a user's primitive
    has a colour of its own in every report without a table naming it."""
    return zlib.crc32(base.encode()) % len(PALETTE)


def colours(primitives):
    """{primitive label: colour}: each primitive id's own slot (_slot), the same in every report;
    where ids of one chart share a slot, all but the first by name take the next free ones, so a
    chart tells its primitives apart (the same for the same set of primitives). Variants
    (sharded_mutex_map[shards=64]) keep their primitive's colour and differ by marker."""
    slots, taken = {}, set()
    for base in sorted({split_label(p)[0] for p in primitives}):
        s = _slot(base)
        while s in taken and len(taken) < len(PALETTE):
            s = (s + 1) % len(PALETTE)
        slots[base] = s
        taken.add(s)
    return {p: PALETTE[slots[split_label(p)[0]]] for p in primitives}


def colour_of(label, cmap=None):
    """The label's colour in a chart of cmap (colours()), else its id's own."""
    return (cmap or {}).get(label) or PALETTE[_slot(split_label(label)[0])]


def marker_of(label):
    base, own = split_label(label)
    i = zlib.crc32(base.encode()) + (zlib.crc32(repr(sorted(own.items())).encode()) if own else 0)
    return MARKERS[i % len(MARKERS)]


def declared(docs, scenario):
    """What the scenario declares for the report, from the first file whose context has it
    (lfbench_scenarios, written by lfbench run from scenarios/*.cpp): {"baselines": [ids],
    "measures": [(key, title)], "roles": bool}. Measure keys: m:NAME is an entry's
    metrics[NAME]; op:KIND the ops/s of one operation kind; lat:KIND:PCT its latency percentile.
    A file from before the field: from its data, a rate per operation kind and every metric
    under its own name; no baseline (--relative-to names one); no roles. Titles are the file's
    text, drawn in chart titles: one bounded line each."""
    for d in docs:
        spec = (d["context"].get("lfbench_scenarios") or {}).get(scenario)
        if spec is not None:
            return {"baselines": list(spec["baselines"]),
                    "measures": [(key, one_line(title, TITLE_CHARS)) for key, title in spec["measures"]],
                    "roles": bool(spec["roles"])}
    kinds, metrics = set(), set()
    for d in docs:
        for (s, _, _), prims in cells(d).items():
            if s == scenario:
                for smp in prims.values():
                    kinds.update(smp.get("op_kinds") or {})
                    metrics.update(smp.get("metrics") or {})
    return {"baselines": [],
            "measures": [(f"op:{k}", one_line(f"{k}s/s", TITLE_CHARS)) for k in sorted(kinds)]
                        + [(f"m:{m}", one_line(m.replace("_", " "), TITLE_CHARS)) for m in sorted(metrics)],
            "roles": False}


def baseline(docs, scenario, labels, relative_to=None):
    """The label the relative view divides by: --relative-to, else the first of the scenario's
    declared baselines present in labels; None when neither is measured."""
    for want in ([relative_to] if relative_to else declared(docs, scenario)["baselines"]):
        if want in labels:
            return want
    return None


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _wrap(text, width=60):
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False)) or text


def _log_if_decades(ax, values, axis="y"):
    vals = [v for v in values if v and v > 0]
    if vals and max(vals) / min(vals) >= 30:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
        return True
    return False


def _grid(n_rows, n_cols, legend=True, h=ROW_HEIGHT, sharex=True, sharey=True):
    """A figure of n_rows x n_cols panels with shared axes, full page width, plus a narrow last
    column for the legend (outside every panel)."""
    plt = _plt()
    ratios = [1.0] * n_cols + ([0.42] if legend else [])
    fig = plt.figure(figsize=(FIG_WIDTH, h * n_rows + 0.9), constrained_layout=True)
    gs = fig.add_gridspec(n_rows, len(ratios), width_ratios=ratios)
    axes = [[None] * n_cols for _ in range(n_rows)]
    for r in range(n_rows):
        for c in range(n_cols):
            share = axes[0][0]
            axes[r][c] = fig.add_subplot(gs[r, c], sharex=share if sharex else None, sharey=share if sharey else None)
    lax = None
    if legend:
        lax = fig.add_subplot(gs[:, -1])
        lax.axis("off")
    return plt, fig, axes, lax


def _legend(lax, handles):
    if lax is None or not handles:
        return
    labels = sorted(handles)
    lax.legend([handles[k] for k in labels], [one_line(k, TITLE_CHARS) for k in labels], loc="upper left",
               fontsize=8, frameon=False, borderaxespad=0)


def _suptitle(fig, text):
    fig.suptitle(_wrap(text, 120), fontsize=10)


def _value(key):
    """The per-sample extractor for a measure's key (declared()): sample -> (median, low, high) or None."""
    kind, _, rest = key.partition(":")
    if kind == "m":
        def get(s):
            v = (s.get("metrics") or {}).get(rest)
            return None if v is None else (v, v, v)
    elif kind == "op":
        def get(s):
            v = ((s.get("op_kinds") or {}).get(rest) or {}).get("ops_per_sec")
            return None if v is None else (v, v, v)
    else:
        op, _, pct = rest.partition(":")

        def get(s):
            v = (((s.get("op_kinds") or {}).get(op) or {}).get("latency_ns") or {}).get(pct)
            return None if v is None else (v, v, v)
    return get


def throughput(s):
    return s["median"], s["min"], s["max"]


# --------------------------------------------------------------------------- the shape of the data

def shape(docs, scenario):
    """What varies in a scenario across the files: {"threads": [...], "swept": [numeric workload
    parameters with several values], "own": [numeric primitive parameters with several values],
    "sets": [parameter-set keys]}."""
    threads, sets, own = set(), set(), {}
    rows = []
    for d in docs:
        for (s, pk, t), prims in cells(d).items():
            if s != scenario:
                continue
            threads.add(t)
            sets.add(pk)
            rows.append({"params": dict(pk)})
            for smp in prims.values():
                for k, v in smp["own"].items():
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        own.setdefault(k, set()).add(v)
    return {"threads": sorted(threads), "swept": ratio_params(rows),
            "own": sorted(k for k, vs in own.items() if len(vs) > 1), "sets": sorted(sets, key=pk_order)}


def _x_of(x, params, threads, smp):
    if x == "threads":
        return threads
    if x in params:
        return params[x]
    return smp["own"].get(x)


def _panels(docs, scenario, x, sh):
    """Panels of a line figure over x: one per combination of everything else (threads and the
    other workload parameters), as (title, predicate(params, threads))."""
    keys = set()
    for pk in sh["sets"]:
        rest = tuple((k, v) for k, v in pk if k != x)
        for t in ([None] if x == "threads" else sh["threads"]):
            keys.add((rest, t))
    out = []
    for rest, t in sorted(keys, key=lambda k: (pk_order(k[0]), k[1] or 0)):
        title = ", ".join(filter(None, [f"{t} thread{'s' if t != 1 else ''}" if t is not None else "",
                                        one_line(params_label(rest), TITLE_CHARS) if rest else ""])) or "all cells"
        out.append((title, lambda p, th, rest=rest, t=t: (t is None or th == t)
                    and all(p.get(k) == v for k, v in rest)))
    return out


def _collect(doc, scenario, x, match, value, base, dq):
    """{label: [(x, mid, lo, hi)]} for one panel of one file; relative to `base` when given (the
    baseline's median in the same cell divides all three)."""
    out = {}
    for (s, pk, t), prims in cells(doc).items():
        params = dict(pk)
        if s != scenario or not match(params, t):
            continue
        ref = None
        if base is not None:
            b = prims.get(base)
            ref = value(b) if b is not None and b["ok"] else None
            if ref is None or ref[0] <= 0:
                continue
        for label, smp in prims.items():
            if not smp["ok"] or smp["base"] in dq:
                continue
            v = value(smp)
            if v is None:
                continue
            if ref is not None:
                v = tuple(y / ref[0] for y in v)
            out.setdefault(label, []).append((_x_of(x, params, t, smp), *v))
    return out


def _chunks(labels, base):
    """labels in groups of at most MAX_SERIES (the baseline first in each, so every panel has
    its reference)."""
    rest = [p for p in sorted(labels) if p != base]
    size = MAX_SERIES - (1 if base in labels else 0)
    groups = [rest[i:i + size] for i in range(0, len(rest), size)] or [[]]
    return [([base] if base in labels else []) + g for g in groups]


def _layout(docs, scenario, x, value, relative, panels):
    """What a figure of `value` over x holds: per file and panel {label: points}, and the rows
    to draw (panel title, panel index, primitives); None when nothing would be drawn."""
    sh = shape(docs, scenario)
    dq = set()
    for d in docs:
        dq |= set(disqualified(d).get(scenario, {}))
    panels = panels or _panels(docs, scenario, x, sh)
    data = [[_collect(d, scenario, x, m, value, relative, dq) for _, m in panels] for d in docs]
    labels = sorted({p for col in data for pan in col for p in pan})
    if not labels:
        return None
    xs = sorted({pt[0] for col in data for pan in col for pts in pan.values() for pt in pts if pt[0] is not None})
    chunks = _chunks(labels, relative)
    rows = [(title, i, ch) for i, (title, _) in enumerate(panels) for ch in chunks
            if any(any(p in col[i] for p in ch) for col in data)][:MAX_PANEL_ROWS]
    if not rows:
        return None
    return {"data": data, "xs": xs, "bars": len(xs) <= 1, "rows": rows, "more": len(rows) < len(panels) * len(chunks)}


def _draw(ax, points, chunk, bars, relative, handles, cmap=None):
    """One panel: the chunk's primitives as bars (one x value) or lines over x with min-max
    error bars; a primitive without x (off_x) as a dashed level. Returns the y values drawn."""
    values = []
    series = {p: sorted(points[p], key=lambda q: (q[0] is None, q[0] or 0)) for p in chunk if p in points}
    if bars:
        names = list(series)
        for k, p in enumerate(names):
            mid, lo, hi = series[p][0][1:]
            # ratios grow from 1 (up: faster than the baseline, down: slower)
            ref = 1.0 if relative else 0.0
            h = ax.bar(k, mid - ref, bottom=ref, color=colour_of(p, cmap), width=0.7,
                       yerr=[[mid - lo], [hi - mid]] if hi > lo else None, capsize=3,
                       error_kw={"elinewidth": 1})
            handles.setdefault(p, h)
            values += [lo, hi]
        ax.set_xticks(range(len(names)), [one_line(n, TITLE_CHARS) for n in names], rotation=30, ha="right",
                      fontsize=7)
    else:
        for p, pts in series.items():
            on_x = [q for q in pts if q[0] is not None]
            off_x = [q[1] for q in pts if q[0] is None]
            if on_x:
                h = ax.errorbar([q[0] for q in on_x], [q[1] for q in on_x],
                                yerr=[[q[1] - q[2] for q in on_x], [q[3] - q[1] for q in on_x]],
                                marker=marker_of(p), ms=4, capsize=2, lw=1.4, color=colour_of(p, cmap),
                                alpha=0.9)
                handles.setdefault(p, h)
                values += [q[2] for q in on_x] + [q[3] for q in on_x]
            if off_x:  # a primitive without this parameter: its level, for reference
                mid = sorted(off_x)[len(off_x) // 2]
                h = ax.axhline(mid, color=colour_of(p, cmap), ls="--", lw=1.2)
                handles.setdefault(p, h)
                values.append(mid)
    if relative:
        ax.axhline(1.0, color="#444", lw=0.8, ls=":")
    ax.grid(True, alpha=0.3)
    ax.tick_params(labelsize=7)
    return values


def _scale(ax, x, xs, values, bars, relative):
    """Axes of a panel (and of those sharing them): x log2 over threads or a wide sweep; y a
    log ratio axis, log when the values span decades, else linear from zero."""
    from matplotlib.ticker import EngFormatter, NullFormatter
    if not bars:
        if x == "threads" or (xs and min(xs) > 0 and max(xs) / min(xs) >= 16):
            ax.set_xscale("log", base=2)
        ax.set_xticks(xs, [f"{v:g}" for v in xs])
        ax.xaxis.set_minor_formatter(NullFormatter())
    if relative or _log_if_decades(ax, values):
        ax.set_yscale("log")
        if relative:  # readable ratio ticks, whatever the span
            lo, hi = min(v for v in values if v > 0), max(values)
            ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if lo / 2 <= t <= hi * 2]
            ax.set_yticks(ticks, [f"{t:g}×" for t in ticks])
            ax.yaxis.set_minor_formatter(NullFormatter())
    else:  # linear axes from zero: a 10% gap must look like 10%
        top = max([v for v in values if v is not None] + [1e-9])
        ax.set_ylim(bottom=0, top=top * 1.08)
        if top >= 1000:  # 30 M rather than 3e7; an index from 0 to 1 keeps 0.8 (not "800 m")
            ax.yaxis.set_major_formatter(EngFormatter())


def _kind(x, bars):
    return "bars: median, whiskers min–max" if bars else \
        f"lines over {one_line(x, TITLE_CHARS)}: median, bars min–max"


def series_figure(docs, scenario, x, value=throughput, ylabel="throughput (ops/s)", relative=None,
                  what="throughput", panels=None, cmap=None):
    """Lines over x (threads, a workload or a primitive parameter), or bars when x has one
    value; columns are files, rows the panels; None when nothing would be drawn. relative: the
    baseline label, giving ratios on a log axis."""
    lay = _layout(docs, scenario, x, value, relative, panels)
    if lay is None:
        return None
    rows, bars = lay["rows"], lay["bars"]
    ref = one_line(relative, TITLE_CHARS)  # a label carries the file's parameter values
    plt, fig, axes, lax = _grid(len(rows), len(docs), sharex=not bars)
    handles, values = {}, []
    for c, (doc, col) in enumerate(zip(docs, lay["data"])):
        for r, (title, i, chunk) in enumerate(rows):
            ax = axes[r][c]
            values += _draw(ax, col[i], chunk, bars, relative, handles, cmap)
            ax.set_title(_wrap(title + (f" — {file_label(doc)}" if len(docs) > 1 else ""), 70), fontsize=8)
            if r == len(rows) - 1 and not bars:
                ax.set_xlabel(one_line(x, TITLE_CHARS), fontsize=8)
            if c == 0:
                ax.set_ylabel(_wrap(f"ratio to {ref}" if relative else ylabel, 34), fontsize=8)
    _scale(axes[0][0], x, lay["xs"], values, bars, relative)
    _legend(lax, handles)
    rel = f", relative to {ref} (ratio, log axis)" if relative else ""
    more = f"; first {len(rows)} panels" if lay["more"] else ""
    _suptitle(fig, f"{scenario}: {what}{rel} — {_kind(x, bars)}{more}")
    return fig


def heatmap_figures(docs, scenario, cmap=None):
    """{name: figure}: for each ratio/size parameter, the winner over (parameter × threads),
    annotated with the margin over the runner-up; '≈' marks a tie. Columns: input files."""
    mats = [matrix(d) for d in docs]
    names = sorted({n for m in mats for n in ratio_params([r for r in m["rows"] if r["scenario"] == scenario])})
    names = names[:MAX_HEATMAPS]
    figs = {}
    for name in names:
        shown = one_line(name, TITLE_CHARS)
        plt, fig, axes, _ = _grid(1, len(docs), legend=False, h=4.2, sharex=False, sharey=False)
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
                ax.set_title(f"{shown} not swept in\n{file_label(doc)}", fontsize=9)
                continue
            xs = sorted({r["params"][name] for r in rows})
            ts = sorted({r["threads"] for r in rows})
            import matplotlib.colors as mcolors
            img = [[(1, 1, 1)] * len(ts) for _ in xs]
            for r in rows:
                i, j = xs.index(r["params"][name]), ts.index(r["threads"])
                rgb = mcolors.to_rgb(colour_of(r["winner"], cmap))
                if r["verdict"] != "significant":
                    rgb = tuple(0.55 * c + 0.45 for c in rgb)  # paler: not significant
                img[i][j] = rgb
                if len(xs) * len(ts) > MAX_LABELLED_HEATMAP_CELLS:
                    continue  # too many cells to read a label in; the colours still show the winner
                label = (f"{one_line(r['winner'], TITLE_CHARS)}\n"
                         f"{'≈' if r['verdict'] == 'tie' else ''}{fmt_ratio(r['margin'])}")
                ax.text(j, i, label, ha="center", va="center", fontsize=7)
            ax.imshow(img, aspect="auto", origin="lower")
            ax.set_xticks(range(len(ts)), [str(t) for t in ts])
            ax.set_yticks(range(len(xs)), [str(x) for x in xs])
            ax.set_xlabel("threads")
            ax.set_ylabel(shown)
            extra = f", {one_line(params_label(params_key(fixed)), TITLE_CHARS)}" if fixed else ""
            ax.set_title(f"winner and margin over runner-up{extra}\n{file_label(doc)}", fontsize=9)
        fig.suptitle(f"{scenario}: best primitive over {shown} × threads\n(pale and ≈: not significant)", fontsize=10)
        figs[name] = fig
    return figs


def latency_figure(docs, scenario, cmap=None):
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
    plt, fig, axes, lax = _grid(len(ts), len(docs))
    handles = {}
    for col, (doc, cs) in enumerate(zip(docs, all_cells)):
        for row, t in enumerate(ts):
            ax = axes[row][col]
            prims = {p: s for p, s in sorted(cs.get((scenario, pk, t), {}).items()) if s["ok"] and s["latency_ns"]}
            values = []
            for i, (prim, s) in enumerate(prims.items()):
                ys = [s["latency_ns"].get(q) for q in pcts]
                handles.setdefault(prim, ax.plot(range(len(pcts)), ys, marker=marker_of(prim), color=colour_of(prim, cmap))[0])
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
            ax.set_title(f"{t} thread{'s' if t > 1 else ''}, {one_line(params_label(pk), TITLE_CHARS)}" + timer_note
                         + f"\n{file_label(doc)}", fontsize=9)
            ax.grid(True, alpha=0.3)
            if not prims:
                ax.text(0.5, 0.5, "no latency measured\n(lfbench run --latency)", ha="center", va="center",
                        transform=ax.transAxes, color="#666")
    fig.suptitle(f"{scenario}: operation latency percentiles\n(sampled operations)", fontsize=10)
    _legend(lax, handles)
    return fig


def _jain(s):
    f = s.get("fairness_cpu") or s.get("fairness")
    return None if not f else (f["jain"], f["jain"], f["jain"])


FAIRNESS = "fairness per CPU time (Jain; 1 = equal share)"


def fairness_figure(docs, scenario, cmap=None):
    """Jain's fairness index per primitive vs threads (worst over parameter sets), per CPU time
    where the file has it (fairness_cpu: what the primitive gave, apart from what the scheduler
    gave), else per op counts. 1 = equal share, 1/N = one thread did all. None below 2 threads."""
    sh = shape(docs, scenario)
    if not any(t > 1 for t in sh["threads"]):
        return None
    panels = [("worst over parameter sets", lambda p, t: t > 1)]
    fig = series_figure(docs, scenario, "threads", _jain, "Jain's index (1 = equal share)",
                        what="fairness per CPU time (fairness_cpu; else per op count)", panels=panels, cmap=cmap)
    if fig is not None:
        for ax in fig.axes[:len(docs)]:
            ax.set_ylim(0, 1.05)
    return fig


def measures_figure(docs, scenario, x, cmap=None):
    """The scenario's measures (declared()) present in the data over x (bars when x has one value), and
    fairness over threads, as [(stem suffix, figure)]: one figure of small multiples — a panel
    per measure and panel row, each with its own y axis (the units differ), one legend — unless
    that would exceed MAX_MEASURE_PANELS, then one figure per measure. [] when none is measured."""
    lays = []  # (key, title, x, layout)
    spec = declared(docs, scenario)
    for key, title in spec["measures"]:
        get = _value(key)
        if not any(get(s) is not None and get(s)[0] for d in docs for (sc, _, _), prims in cells(d).items()
                   if sc == scenario for s in prims.values()):
            continue
        panels = [(title, lambda p, t: True)] if x == "threads" else None
        lay = _layout(docs, scenario, x, get, None, panels)
        if lay is not None:
            lays.append((key, title, x, lay))
    # Threads with roles (only consumers count operations): Jain over all threads is about 1/N
    # whatever the primitive does; the scenario's own fairness measure is charted instead.
    if not spec["roles"] and any(t > 1 for t in shape(docs, scenario)["threads"]):
        lay = _layout(docs, scenario, "threads", _jain, None, [("worst over parameter sets", lambda p, t: t > 1)])
        if lay is not None:
            lays.append(("fairness", FAIRNESS, "threads", lay))
    n = sum(len(lay["rows"]) for *_, lay in lays) * len(docs)
    if n > MAX_MEASURE_PANELS:
        return [(key, fairness_figure(docs, scenario, cmap) if key == "fairness" else
                 series_figure(docs, scenario, x, _value(key), title, what=title,
                               panels=[(title, lambda p, t: True)] if x == "threads" else None, cmap=cmap))
                for key, title, _, _ in lays]

    def drawn(lay, r, d):  # a panel where the measure is 0 throughout (cow's writer at 0 updates/s) says nothing
        _, i, chunk = lay["rows"][r]
        return any(q[1] for p in chunk for q in lay["data"][d][i].get(p, []))
    slots = [(key, title, sx, lay, r, d) for key, title, sx, lay in lays for r in range(len(lay["rows"]))
             for d in range(len(docs)) if len(docs) > 1 or drawn(lay, r, d)]
    if not slots:
        return []
    # One file: the panels flow over MEASURE_COLUMNS columns; several: a row per panel, a column per file.
    n_cols = min(MEASURE_COLUMNS, len(slots)) if len(docs) == 1 else len(docs)
    n_rows = -(-len(slots) // n_cols)
    plt, fig, axes, lax = _grid(n_rows, n_cols, sharex=False, sharey=False)
    handles = {}
    for k, (key, title, sx, lay, r, d) in enumerate(slots):
        ax = axes[k // n_cols][k % n_cols]
        panel, i, chunk = lay["rows"][r]
        values = _draw(ax, lay["data"][d][i], chunk, lay["bars"], None, handles, cmap)
        _scale(ax, sx, lay["xs"], values, lay["bars"], None)
        if key == "fairness":
            ax.set_ylim(0, 1.05)
        name = title if sx == "threads" and key != "fairness" else f"{title}, {panel}"
        ax.set_title(_wrap(name + (f" — {file_label(docs[d])}" if len(docs) > 1 else ""), 60), fontsize=8)
        if not lay["bars"]:
            ax.set_xlabel(one_line(sx, TITLE_CHARS), fontsize=8)
    for k in range(len(slots), n_rows * n_cols):
        axes[k // n_cols][k % n_cols].axis("off")
    _legend(lax, handles)
    kinds = sorted({_kind(sx, lay["bars"]) for _, _, sx, lay, _, _ in slots})
    _suptitle(fig, f"{scenario}: scenario measures and fairness, each panel its own y axis — {'; '.join(kinds)}")
    return [("measures", fig)]


def figures(docs, scenario, cmap=None, relative_to=None):
    """{chart file stem: figure} for one scenario, chosen by the shape of its data."""
    sh = shape(docs, scenario)
    labels = {p for d in docs for (s, _, _), prims in cells(d).items() if s == scenario for p in prims}
    base = baseline(docs, scenario, labels, relative_to)
    cmap = cmap or colours(labels)  # one colour per primitive across the scenario's figures
    figs = {}

    def add(stem, make):
        for rel, suffix in ((None, ""), (base, "-relative")):
            if rel is None and suffix:
                continue
            fig = make(rel)
            if fig is not None:
                figs[stem + suffix] = fig

    multi_threads = len(sh["threads"]) > 1
    if multi_threads or not (sh["swept"] or sh["own"]):
        # threads vary: lines over them; nothing varies: bars (series_figure sees one x value)
        add(f"{scenario}-throughput", lambda rel: series_figure(docs, scenario, "threads", relative=rel, cmap=cmap))
    for name in sh["swept"]:
        add(f"{scenario}-throughput-{name}", lambda rel, n=name: series_figure(docs, scenario, n, relative=rel, cmap=cmap))
    for name in sh["own"]:
        shown = one_line(name, TITLE_CHARS)
        add(f"{scenario}-best-{name}", lambda rel, n=name, what=f"best {shown} per thread count (dashed: primitives "
            f"without {shown})": series_figure(docs, scenario, n, relative=rel, what=what, cmap=cmap))
    if multi_threads:
        for name, fig in heatmap_figures(docs, scenario, cmap).items():
            figs[f"{scenario}-winner-{name}"] = fig
    main_x = sh["swept"][0] if sh["swept"] else "threads"
    for key, fig in measures_figure(docs, scenario, main_x, cmap):
        if fig is not None:
            figs[f"{scenario}-{key.replace(':', '-')}"] = fig
    fig = latency_figure(docs, scenario, cmap)
    if fig is not None:
        figs[f"{scenario}-latency"] = fig
    return figs
