"""Charts: one figure per question, its kind chosen by the shape of the data."""
import zlib

from .load import cells, file_label, logical_cpus, params_key, params_label, pk_order
from .stats import fmt_ratio, matrix, ratio_params

# Bounds on what one report draws, so that a file with thousands of parameter sets, thread
# counts or scenarios renders in seconds: the matrix still lists every cell.
MAX_CHARTED_SCENARIOS = 16
MAX_PANEL_ROWS = 8
MAX_HEATMAPS = 6
MAX_LABELLED_HEATMAP_CELLS = 400


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
