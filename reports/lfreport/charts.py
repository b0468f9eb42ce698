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
at most MAX_SERIES primitives per panel (more are split over further rows). A line joins the cells
of one parameter set only: a panel never mixes two values of a parameter other than its x (two
delivery modes are two panels). More panels than fit a figure go on to further figures (pages),
never dropped. A numeric x whose positive values span two decades or more is drawn on a log axis
(symlog when it includes 0: linear from 0 to the smallest positive value, log above); throughput
over threads has each primitive's ideal linear scaling (its 1-thread rate × threads) dashed;
latencies are labelled in ns, µs, ms or s by magnitude.
"""
import textwrap
import zlib

from .load import TITLE_CHARS, cells, file_label, one_line, params_key, params_label, pk_order, split_label
from .stats import disqualified, fmt_ns, fmt_ratio, matrix, ratio_params

# Bounds on what one report draws, so that a file with thousands of parameter sets, thread
# counts or scenarios renders in seconds: the matrix still lists every cell.
MAX_CHARTED_SCENARIOS = 16
MAX_PANEL_ROWS = 8  # panel rows per figure: more go on to further figures (pages), never dropped
MAX_HEATMAP_ROWS = 3  # heatmap rows per figure (pages beyond)
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
    plt.rcParams["figure.max_open_warning"] = 0  # a scenario's pages are all open until written
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
    labels = sorted(handles, key=lambda k: (k == IDEAL, k))  # the ideal-scaling key last
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


def _panels(docs, scenario, x, sh, fold=()):
    """Panels of a line figure over x: one per combination of everything else (threads and the
    other workload parameters), as (title, predicate(params, threads)); a line in a panel
    joins cells of one parameter set only. fold: parameters a panel takes every value of (its
    points are then reduced per x: _collect's reduce)."""
    keys = set()
    for pk in sh["sets"]:
        rest = tuple((k, v) for k, v in pk if k != x and k not in fold)
        for t in ([None] if x == "threads" else sh["threads"]):
            keys.add((rest, t))
    out = []
    for rest, t in sorted(keys, key=lambda k: (pk_order(k[0]), k[1] or 0)):
        title = ", ".join(filter(None, [f"{t} thread{'s' if t != 1 else ''}" if t is not None else "",
                                        one_line(params_label(rest), TITLE_CHARS) if rest else ""])) or "all cells"
        out.append((title, lambda p, th, rest=rest, t=t: (t is None or th == t)
                    and all(p.get(k) == v for k, v in rest)))
    return out


def _collect(doc, scenario, x, match, value, base, dq, reduce=None):
    """{label: [(x, mid, lo, hi)]} for one panel of one file; relative to `base` when given (the
    baseline's median in the same cell divides all three). reduce="min": one point per label and
    x, the lowest (a panel over folded parameters shows the worst of them)."""
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
    if reduce == "min":
        for label, pts in out.items():
            low = {}
            for q in pts:
                if q[0] not in low or q[1] < low[q[0]][1]:
                    low[q[0]] = q
            out[label] = list(low.values())
    return out


def _chunks(labels, base):
    """labels in groups of at most MAX_SERIES (the baseline first in each, so every panel has
    its reference)."""
    rest = [p for p in sorted(labels) if p != base]
    size = MAX_SERIES - (1 if base in labels else 0)
    groups = [rest[i:i + size] for i in range(0, len(rest), size)] or [[]]
    return [([base] if base in labels else []) + g for g in groups]


def _layout(docs, scenario, x, value, relative, panels, reduce=None, swept_only=False):
    """What a figure of `value` over x holds: per file and panel {label: points}, and every row
    to draw (panel title, panel index, primitives): pages of MAX_PANEL_ROWS (_pages); None when
    nothing would be drawn. swept_only: only panels where x takes two values or more (a line
    over a parameter; the cells of the others are in the chart over threads), their number in
    "single"."""
    sh = shape(docs, scenario)
    dq = set()
    for d in docs:
        dq |= set(disqualified(d).get(scenario, {}))
    panels = panels or _panels(docs, scenario, x, sh)
    data = [[_collect(d, scenario, x, m, value, relative, dq, reduce) for _, m in panels] for d in docs]
    labels = sorted({p for col in data for pan in col for p in pan})
    if not labels:
        return None
    xs = sorted({pt[0] for col in data for pan in col for pts in pan.values() for pt in pts if pt[0] is not None})
    chunks = _chunks(labels, relative)
    single = set()
    if swept_only:
        single = {i for i in range(len(panels))
                  if len({pt[0] for col in data for pts in col[i].values() for pt in pts if pt[0] is not None}) < 2}
    rows = [(title, i, ch) for i, (title, _) in enumerate(panels) for ch in chunks
            if i not in single and any(any(p in col[i] for p in ch) for col in data)]
    if not rows:
        return None
    xs = sorted({pt[0] for col in data for i in {r[1] for r in rows} for pts in col[i].values() for pt in pts
                 if pt[0] is not None})
    return {"data": data, "xs": xs, "bars": len(xs) <= 1, "rows": rows, "panels": len(panels) - len(single),
            "single": len(single)}


def _pages(rows, size=MAX_PANEL_ROWS):
    """rows in pages of at most size: every panel is drawn, on as many figures as it takes."""
    return [rows[i:i + size] for i in range(0, len(rows), size)] or [[]]


IDEAL = "ideal: 1-thread rate × threads (dashed)"


def _draw(ax, points, chunk, bars, relative, handles, cmap=None, ideal=False):
    """One panel: the chunk's primitives as bars (one x value) or lines over x with min-max
    error bars; a primitive without x (off_x) as a dashed level. ideal (throughput over threads):
    each primitive's linear scaling from its 1-thread median, dashed in its colour (gid
    "ideal-scaling"), left out of the y range so it leaves the panel where it outruns the data.
    Returns the y values drawn."""
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
                one = [q[1] for q in on_x if q[0] == 1]
                if ideal and one and one[0] > 0 and len(on_x) > 1:
                    ts = sorted({q[0] for q in on_x})
                    ln, = ax.plot(ts, [one[0] * t for t in ts], ls="--", lw=0.9, color=colour_of(p, cmap), alpha=0.6)
                    ln.set_gid("ideal-scaling")
                    if IDEAL not in handles:
                        from matplotlib.lines import Line2D
                        handles[IDEAL] = Line2D([], [], ls="--", lw=0.9, color="#555")
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


def _tick(v):
    """An x tick's text: 0, 10, 100, 1000, 10k, 100k, 1M (not 1e+05), 65536 as it is."""
    if not isinstance(v, (int, float)):
        return one_line(v, TITLE_CHARS)
    if v == int(v) and abs(v) >= 10000:
        for suffix, f in (("M", 10 ** 6), ("k", 1000)):
            if int(v) % f == 0:
                return f"{int(v) // f}{suffix}"
        return str(int(v))
    return f"{v:g}"


def x_scale(xs, x):
    """How a numeric x is drawn: ("log2", None) over threads or a sweep of 16× and more,
    ("log", None) over two decades and more, ("symlog", linthresh) over two decades and more
    that include 0 (linear from 0 to the smallest positive value, log above), else ("linear", None)."""
    nums = [v for v in xs if isinstance(v, (int, float)) and not isinstance(v, bool)]
    pos = [v for v in nums if v > 0]
    if len(nums) != len(xs) or not pos:
        return "linear", None
    span = max(pos) / min(pos)
    if x == "threads":
        return ("log2", None) if min(nums) > 0 else ("linear", None)
    if span >= 100:
        return ("log", None) if min(nums) > 0 else ("symlog", min(pos))
    if min(nums) > 0 and span >= 16:
        return "log2", None
    return "linear", None


def x_note(xs, x):
    """What x_scale chose, for the axis label: a log axis is said, and where 0 sits on a symlog one."""
    kind, lin = x_scale(xs, x)
    if kind == "log":
        return " (log axis)"
    if kind == "symlog":
        return f" (symlog axis: linear from 0 to {_tick(lin)}, log above)"
    return ""


def _scale(ax, x, xs, values, bars, relative, unit=None):
    """Axes of a panel (and of those sharing them): x as x_scale says (log over threads or a
    wide sweep, symlog with 0); y a log ratio axis, log when the values span decades, else linear
    from zero; unit "ns": ticks in ns, µs, ms or s."""
    from matplotlib.ticker import EngFormatter, FuncFormatter, NullFormatter
    if not bars:
        kind, lin = x_scale(xs, x)
        if kind == "log2":
            ax.set_xscale("log", base=2)
        elif kind == "log":
            ax.set_xscale("log", base=10)
        elif kind == "symlog":
            ax.set_xscale("symlog", base=10, linthresh=lin, linscale=0.6)
        if kind in ("log", "symlog"):  # the data's range: no empty decade (or negative side) at the left
            ax.set_xlim(-lin * 0.15 if kind == "symlog" else min(xs) / 1.4, max(xs) * 1.4)
        ax.set_xticks(xs, [_tick(v) for v in xs])
        ax.xaxis.set_minor_formatter(NullFormatter())
    shown = [v for v in values if v is not None]
    if relative or _log_if_decades(ax, shown):
        ax.set_yscale("log")
        if relative:  # readable ratio ticks, whatever the span
            lo, hi = min(v for v in shown if v > 0), max(shown)
            ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if lo / 2 <= t <= hi * 2]
            ax.set_yticks(ticks, [f"{t:g}×" for t in ticks])
            ax.yaxis.set_minor_formatter(NullFormatter())
        else:  # the data's range (a dashed ideal line may run off it)
            pos = [v for v in shown if v > 0]
            ax.set_ylim(min(pos) / 1.5, max(pos) * 1.5)
            if unit == "ns":
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_ns(v)))
                ax.yaxis.set_minor_formatter(NullFormatter())
    else:  # linear axes from zero: a 10% gap must look like 10%
        top = max(shown + [1e-9])
        ax.set_ylim(bottom=0, top=top * 1.08)
        if unit == "ns":
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_ns(v) if v else "0"))
        elif top >= 1000:  # 30 M rather than 3e7; an index from 0 to 1 keeps 0.8 (not "800 m")
            ax.yaxis.set_major_formatter(EngFormatter())


def _kind(x, bars):
    return "bars: median, whiskers min–max" if bars else \
        f"lines over {one_line(x, TITLE_CHARS)}: median, bars min–max"


def series_pages(docs, scenario, x, value=throughput, ylabel="throughput (ops/s)", relative=None,
                 what="throughput", panels=None, cmap=None, unit=None, reduce=None, swept_only=False):
    """Lines over x (threads, a workload or a primitive parameter), or bars when x has one
    value; columns are files, rows the panels, MAX_PANEL_ROWS rows a figure and further figures
    for the rest: [figure, ...], [] when nothing would be drawn. relative: the baseline label,
    giving ratios on a log axis. Throughput over threads (value throughput, not relative) has
    each primitive's ideal scaling dashed. unit "ns": y ticks in time units. swept_only: see _layout
    (the title says how many panels it left to the chart over threads)."""
    lay = _layout(docs, scenario, x, value, relative, panels, reduce, swept_only)
    if lay is None:
        return []
    bars = lay["bars"]
    ideal = x == "threads" and value is throughput and relative is None and not bars
    ref = one_line(relative, TITLE_CHARS)  # a label carries the file's parameter values
    note = "" if bars else x_note(lay["xs"], x)
    pages = _pages(lay["rows"])
    figs = []
    for k, rows in enumerate(pages):
        plt, fig, axes, lax = _grid(len(rows), len(docs), sharex=not bars)
        handles, values = {}, []
        for c, (doc, col) in enumerate(zip(docs, lay["data"])):
            for r, (title, i, chunk) in enumerate(rows):
                ax = axes[r][c]
                values += _draw(ax, col[i], chunk, bars, relative, handles, cmap, ideal)
                ax.set_title(_wrap(title + (f" — {file_label(doc)}" if len(docs) > 1 else ""), 70), fontsize=8)
                if r == len(rows) - 1 and not bars:
                    ax.set_xlabel(one_line(x, TITLE_CHARS) + note, fontsize=8)
                if c == 0:
                    ax.set_ylabel(_wrap(f"ratio to {ref}" if relative else ylabel, 34), fontsize=8)
        _scale(axes[0][0], x, lay["xs"], values, bars, relative, unit)
        _legend(lax, handles)
        rel = f", relative to {ref} (ratio, log axis)" if relative else ""
        page = f" (page {k + 1} of {len(pages)}: {len(lay['rows'])} panels)" if len(pages) > 1 else ""
        left = (f"; {lay['single']} panel{'s' if lay['single'] > 1 else ''} where {one_line(x, TITLE_CHARS)} has one "
                "value left to the chart over threads") if lay.get("single") else ""
        _suptitle(fig, f"{scenario}: {what}{rel} — {_kind(x, bars)}{page}{left}")
        figs.append(fig)
    return figs


def heatmap_figures(docs, scenario, cmap=None):
    """{name: figure} (name, name-p2, ... when it takes more than one figure): for each ratio/size
    parameter, the winner over (parameter × threads), annotated with the margin over the
    runner-up; '≈' marks a tie. One heatmap per combination of the other parameters under which
    the parameter takes two values or more (a facet), so a sweep that ran with other values of
    them elsewhere is found (cow's updates_per_sec beside fixed-rate runs); one file: facets
    flow over two columns, several: a row per facet, a column per file, "not swept" where a file
    did not sweep it there."""
    import matplotlib.colors as mcolors
    mats = [matrix(d) for d in docs]
    names = sorted({n for m in mats for n in ratio_params([r for r in m["rows"] if r["scenario"] == scenario])})
    figs = {}
    for name in names:
        shown = one_line(name, TITLE_CHARS)
        facets = {}  # the other parameters' values -> per file, its rows
        for col, m in enumerate(mats):
            for r in m["rows"]:
                if r["scenario"] == scenario and name in r["params"]:
                    rest = params_key({k: v for k, v in r["params"].items() if k != name})
                    facets.setdefault(rest, [[] for _ in docs])[col].append(r)
        swept = [(rest, per) for rest, per in sorted(facets.items(), key=lambda kv: pk_order(kv[0]))
                 if any(len({r["params"][name] for r in rows}) > 1 for rows in per)]
        if not swept:
            continue
        slots = [(rest, per[c], docs[c]) for rest, per in swept for c in range(len(docs))]
        n_cols = len(docs) if len(docs) > 1 else min(2, len(slots))
        per_page = MAX_HEATMAP_ROWS * n_cols
        pages = [slots[i:i + per_page] for i in range(0, len(slots), per_page)]
        for k, page in enumerate(pages):
            n_rows = -(-len(page) // n_cols)
            plt, fig, axes, _ = _grid(n_rows, n_cols, legend=False, h=4.2, sharex=False, sharey=False)
            for j, (rest, rows, doc) in enumerate(page):
                ax = axes[j // n_cols][j % n_cols]
                extra = f", {one_line(params_label(rest), TITLE_CHARS)}" if rest else ""
                xs = sorted({r["params"][name] for r in rows}, key=lambda v: (isinstance(v, str), v))
                if len(xs) < 2:  # this file did not sweep the parameter here: the panel says so
                    ax.axis("off")
                    ax.set_title(_wrap(f"{shown} not swept{extra} in {file_label(doc)}", 60), fontsize=9)
                    continue
                ts = sorted({r["threads"] for r in rows})
                img = [[(1, 1, 1)] * len(ts) for _ in xs]
                for r in rows:
                    i, jj = xs.index(r["params"][name]), ts.index(r["threads"])
                    rgb = mcolors.to_rgb(colour_of(r["winner"], cmap))
                    if r["verdict"] != "significant":
                        rgb = tuple(0.55 * c + 0.45 for c in rgb)  # paler: not significant
                    img[i][jj] = rgb
                    if len(xs) * len(ts) > MAX_LABELLED_HEATMAP_CELLS:
                        continue  # too many cells to read a label in; the colours still show the winner
                    label = (f"{one_line(r['winner'], TITLE_CHARS)}\n"
                             f"{'≈' if r['verdict'] == 'tie' else ''}{fmt_ratio(r['margin'])}")
                    ax.text(jj, i, label, ha="center", va="center", fontsize=7)
                ax.imshow(img, aspect="auto", origin="lower")
                ax.set_xticks(range(len(ts)), [str(t) for t in ts])
                ax.set_yticks(range(len(xs)), [_tick(x) for x in xs])
                ax.set_xlabel("threads")
                ax.set_ylabel(shown)
                ax.set_title(_wrap(f"winner and margin over runner-up{extra}", 60) + f"\n{file_label(doc)}", fontsize=9)
            for j in range(len(page), n_rows * n_cols):
                axes[j // n_cols][j % n_cols].axis("off")
            more = f" (page {k + 1} of {len(pages)})" if len(pages) > 1 else ""
            fig.suptitle(f"{scenario}: best primitive over {shown} × threads{more}\n(pale and ≈: not significant)", fontsize=10)
            figs[name if k == 0 else f"{name}-p{k + 1}"] = fig
    return figs


def latency_figures(docs, scenario, cmap=None):
    """Latency percentiles (p50/p90/p99/p99.9/max) per primitive, one row per parameter set and
    thread count that has latency samples, MAX_PANEL_ROWS rows a figure: [figure, ...], [] when
    no cell measured latency. Ticks in ns, µs, ms or s by magnitude."""
    from matplotlib.ticker import FuncFormatter, NullFormatter
    all_cells = [cells(d) for d in docs]
    picked = set()
    for cs in all_cells:
        for (s, pk, t), prims in cs.items():
            if s == scenario and any(v["latency_ns"] for v in prims.values()):
                picked.add((pk, t))
    if not picked:
        return []
    rows = sorted(picked, key=lambda k: (pk_order(k[0]), k[1]))
    pcts = ["p50", "p90", "p99", "p999", "max"]
    pages = _pages(rows)
    figs = []
    for k, page in enumerate(pages):
        plt, fig, axes, lax = _grid(len(page), len(docs))
        handles = {}
        for col, (doc, cs) in enumerate(zip(docs, all_cells)):
            for row, (pk, t) in enumerate(page):
                ax = axes[row][col]
                prims = {p: s for p, s in sorted(cs.get((scenario, pk, t), {}).items()) if s["ok"] and s["latency_ns"]}
                values = []
                for i, (prim, s) in enumerate(prims.items()):
                    ys = [s["latency_ns"].get(q) for q in pcts]
                    handles.setdefault(prim, ax.plot(range(len(pcts)), ys, marker=marker_of(prim), color=colour_of(prim, cmap))[0])
                    values += [y for y in ys if y]
                ax.set_xticks(range(len(pcts)), ["p50", "p90", "p99", "p99.9", "max"])
                _log_if_decades(ax, values)
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_ns(v) if v else "0"))
                ax.yaxis.set_minor_formatter(NullFormatter())
                ax.set_xlabel("percentile")
                ax.set_ylabel("latency per op")
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
        more = f" (page {k + 1} of {len(pages)}: {len(rows)} cells)" if len(pages) > 1 else ""
        fig.suptitle(f"{scenario}: operation latency percentiles{more}\n(sampled operations)", fontsize=10)
        _legend(lax, handles)
        figs.append(fig)
    return figs


def _jain(s):
    f = s.get("fairness_cpu") or s.get("fairness")
    return None if not f else (f["jain"], f["jain"], f["jain"])


FAIRNESS = "fairness per CPU time (Jain; 1 = equal share)"


def _fairness_panels(docs, scenario, sh):
    """Fairness over threads: a panel per combination of the non-numeric parameters (delivery,
    mode, ...: a line never joins two of their values), each the worst over the numeric sweeps."""
    fold = tuple(sh["swept"])
    out = []
    for title, match in _panels(docs, scenario, "threads", sh, fold=fold):
        if fold:
            title = ("" if title == "all cells" else title + ", ") + "worst over " + one_line(", ".join(fold), TITLE_CHARS)
        out.append((title, lambda p, t, m=match: t > 1 and m(p, t)))
    return out, fold


def fairness_figures(docs, scenario, cmap=None):
    """Jain's fairness index per primitive vs threads, per CPU time where the file has it
    (fairness_cpu: what the primitive gave, apart from what the scheduler gave), else per op
    counts; a panel per non-numeric parameter set, the worst over numeric sweeps. 1 = equal
    share, 1/N = one thread did all. [] below 2 threads."""
    sh = shape(docs, scenario)
    if not any(t > 1 for t in sh["threads"]):
        return []
    panels, fold = _fairness_panels(docs, scenario, sh)
    figs = series_pages(docs, scenario, "threads", _jain, "Jain's index (1 = equal share)",
                        what="fairness per CPU time (fairness_cpu; else per op count)", panels=panels, cmap=cmap,
                        reduce="min" if fold else None)
    for fig in figs:
        for ax in fig.axes:
            if ax.get_title():
                ax.set_ylim(0, 1.05)
    return figs


def _measure_unit(key, title):
    """(unit, title): a latency measure's ticks are times (ns, µs, ms by magnitude, each tick
    naming its unit; the title is the scenario's own)."""
    return ("ns" if key.startswith("lat:") else None), title


def measures_figure(docs, scenario, x, cmap=None):
    """The scenario's measures (declared()) present in the data over x (bars when x has one value), and
    fairness over threads, as [(stem suffix, figure)]: one figure of small multiples — a panel
    per measure and panel row, each with its own y axis (the units differ), one legend — unless
    that would exceed MAX_MEASURE_PANELS, then figures per measure (paged). Over threads a panel
    per parameter set: a line never joins two delivery modes. [] when none is measured."""
    lays = []  # (key, title, x, layout)
    spec = declared(docs, scenario)
    sh = shape(docs, scenario)
    swept_only = x != "threads" and len(sh["threads"]) > 1  # the other cells are in the chart over threads
    for key, title in spec["measures"]:
        get = _value(key)
        if not any(get(s) is not None and get(s)[0] for d in docs for (sc, _, _), prims in cells(d).items()
                   if sc == scenario for s in prims.values()):
            continue
        lay = _layout(docs, scenario, x, get, None, None, swept_only=swept_only)
        if lay is not None:
            lays.append((key, title, x, lay))
    # Threads with roles (only consumers count operations): Jain over all threads is about 1/N
    # whatever the primitive does; the scenario's own fairness measure is charted instead.
    fpanels, fold = _fairness_panels(docs, scenario, sh)
    if not spec["roles"] and any(t > 1 for t in sh["threads"]):
        lay = _layout(docs, scenario, "threads", _jain, None, fpanels, "min" if fold else None)
        if lay is not None:
            lays.append(("fairness", FAIRNESS, "threads", lay))
    n = sum(len(lay["rows"]) for *_, lay in lays) * len(docs)
    if n > MAX_MEASURE_PANELS:
        out = []
        for key, title, _, _ in lays:
            if key == "fairness":
                figs = fairness_figures(docs, scenario, cmap)
            else:
                unit, shown = _measure_unit(key, title)
                figs = series_pages(docs, scenario, x, _value(key), shown, what=shown, cmap=cmap, unit=unit,
                                    swept_only=swept_only)
            out += [(key if k == 0 else f"{key}-p{k + 1}", f) for k, f in enumerate(figs)]
        return out

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
        unit, shown = _measure_unit(key, title)
        values = _draw(ax, lay["data"][d][i], chunk, lay["bars"], None, handles, cmap)
        _scale(ax, sx, lay["xs"], values, lay["bars"], None, unit)
        if key == "fairness":
            ax.set_ylim(0, 1.05)
        keep = lay["panels"] > 1 or (key == "fairness" and panel.startswith("worst"))
        name = f"{shown}, {panel}" if keep and panel != "all cells" else shown
        ax.set_title(_wrap(name + (f" — {file_label(docs[d])}" if len(docs) > 1 else ""), 60), fontsize=8)
        if not lay["bars"]:
            ax.set_xlabel(one_line(sx, TITLE_CHARS) + x_note(lay["xs"], sx), fontsize=8)
    for k in range(len(slots), n_rows * n_cols):
        axes[k // n_cols][k % n_cols].axis("off")
    _legend(lax, handles)
    kinds = sorted({_kind(sx, lay["bars"]) for _, _, sx, lay, _, _ in slots})
    _suptitle(fig, f"{scenario}: scenario measures and fairness, each panel its own y axis — {'; '.join(kinds)}")
    return [("measures", fig)]


def figures(docs, scenario, cmap=None, relative_to=None):
    """{chart file stem: figure} for one scenario, chosen by the shape of its data; a chart that
    takes several figures (pages) adds -p2, -p3, ... to its stem."""
    sh = shape(docs, scenario)
    labels = {p for d in docs for (s, _, _), prims in cells(d).items() if s == scenario for p in prims}
    base = baseline(docs, scenario, labels, relative_to)
    cmap = cmap or colours(labels)  # one colour per primitive across the scenario's figures
    figs = {}

    def paged(stem, pages):
        for k, fig in enumerate(pages):
            figs[stem if k == 0 else f"{stem}-p{k + 1}"] = fig

    def add(stem, make):
        paged(stem, make(None))
        if base is not None:
            paged(stem + "-relative", make(base))

    multi_threads = len(sh["threads"]) > 1
    if multi_threads or not (sh["swept"] or sh["own"]):
        # threads vary: lines over them, every parameter set; nothing varies: bars (series_pages sees one x value)
        add(f"{scenario}-throughput", lambda rel: series_pages(docs, scenario, "threads", relative=rel, cmap=cmap))
    for name in sh["swept"]:
        # over a parameter: the panels where it takes two values or more when the chart over threads has the rest
        add(f"{scenario}-throughput-{name}", lambda rel, n=name: series_pages(docs, scenario, n, relative=rel, cmap=cmap,
                                                                               swept_only=multi_threads))
    for name in sh["own"]:
        shown = one_line(name, TITLE_CHARS)
        add(f"{scenario}-best-{name}", lambda rel, n=name, what=f"best {shown} per thread count (dashed: primitives "
            f"without {shown})": series_pages(docs, scenario, n, relative=rel, what=what, cmap=cmap))
    if multi_threads:
        for name, fig in heatmap_figures(docs, scenario, cmap).items():
            figs[f"{scenario}-winner-{name}"] = fig
    main_x = sh["swept"][0] if sh["swept"] else "threads"
    for key, fig in measures_figure(docs, scenario, main_x, cmap):
        if fig is not None:
            figs[f"{scenario}-{key.replace(':', '-')}"] = fig
    paged(f"{scenario}-latency", latency_figures(docs, scenario, cmap))
    return figs


def case_figures(spec, cmap=None):
    """The chart of a case question (cases.answer's "chart"): its cells (spec["doc"], a results
    dict of their own) as series_pages draws them — over spec["x"], the measure the question
    reads, relative to its baseline where it has one. [figure, ...]."""
    doc, scenario, key = spec["doc"], spec["scenario"], spec["measure"]
    value = throughput if key == "ops_per_sec" else _value(key)
    unit = "ns" if key.startswith("lat:") else None
    ylabel = "throughput (ops/s)" if key == "ops_per_sec" else spec["ylabel"]
    return series_pages([doc], scenario, spec["x"], value, ylabel, relative=spec.get("relative"),
                        what=one_line(spec["what"], TITLE_CHARS), cmap=cmap, unit=unit)
