"""Statistics and the recommendation matrix: per workload cell the winner, the runner-up, the
margin and whether it is both significant and large enough to matter; summaries and crossovers."""
import math
import statistics

from .load import cells, contention, logical_cpus, params_key, params_label, pk_order

ALPHA = 0.05
# The minimum effect: a lead below 5% is a tie however small p is. Contended results on a shared
# 2-core machine vary 5-20% from run to run (DESIGN.md, "This machine"), so a smaller lead is
# within what the next run could reverse; and 1.01x between two primitives compiling to the same
# instructions (atomic_relaxed vs atomic_seq_cst on x86) is significant to a U test with enough
# repetitions, yet means nothing. `--min-effect` changes it.
MIN_EFFECT = 1.05
# Flags that mark a cell's figures as less trustworthy (shown beside the verdict, never hidden).
CELL_MARKS = ("noisy", "disturbed", "hung", "crashed", "incomplete", "oversubscribed")


# --------------------------------------------------------------------------- the matrix

def significance(a, b):
    """Two-sided Mann-Whitney U p-value for samples a vs b, or None when it cannot be computed."""
    if len(a) < 2 or len(b) < 2:
        return None
    if len(set(a) | set(b)) == 1:
        return 1.0
    from scipy.stats import mannwhitneyu
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def verdict(margin, p, min_effect=MIN_EFFECT):
    """"significant" only when the lead is both at least min_effect (margin None: the other
    measured nothing, an unbounded lead) and p < ALPHA; else "tie"."""
    large = margin is None or margin >= min_effect
    return "significant" if large and p is not None and p < ALPHA else "tie"


def disqualified(doc):
    """{scenario: {primitive id: reason}}: a primitive that failed verification (or is flagged
    invalid or known broken) in any cell of a scenario is out of every cell of it: a racy lock
    caught at one read ratio is not a candidate at another where the oracle happened to miss.
    An underpaced cell (too few paced events in a window) is out of its own cell only."""
    out = {}
    for (scenario, pk, threads), prims in sorted(cells(doc).items(), key=lambda kv: (kv[0][0], pk_order(kv[0][1]), kv[0][2])):
        for label, s in sorted(prims.items()):
            if not s["ok"] and not s.get("underpaced") and s["base"] not in out.get(scenario, {}):
                where = ", ".join(filter(None, [params_label(pk) if pk else "", f"{threads} threads"]))
                out.setdefault(scenario, {})[s["base"]] = f"{s['detail'] or 'flagged invalid'} (at {where})"
    return out


def matrix(doc, min_effect=MIN_EFFECT):
    """The recommendation matrix of one results dict:
    {"rows": [...], "excluded": [...], "disqualified": [...], "min_effect": min_effect}.

    One row per workload cell (scenario + params + threads) with at least one ranked primitive:
    winner (highest median ops/s), runner-up, margin (ratio of medians; None when the runner-up
    measured no operations), p-value, verdict ("significant" when p < ALPHA and the margin is at
    least min_effect, else "tie"; "only" with a single primitive), marks (CELL_MARKS flags of the
    winner or runner-up). Disqualified primitives (see disqualified()) are in no row."""
    rows, excluded = [], []
    dq = disqualified(doc)
    for (scenario, pk, threads), prims in sorted(cells(doc).items(), key=lambda kv: (kv[0][0], pk_order(kv[0][1]), kv[0][2])):
        valid = {}
        for prim, s in sorted(prims.items()):
            if not s["ok"]:
                excluded.append({"scenario": scenario, "params": dict(pk), "threads": threads,
                                 "primitive": prim, "detail": s["detail"] or "flagged invalid"})
            elif s["base"] not in dq.get(scenario, {}):
                valid[prim] = s
        if not valid:
            continue
        ranked = sorted(valid, key=lambda p: (-valid[p]["median"], p))
        w = ranked[0]
        top = ranked[:2]
        marks = [m for m in CELL_MARKS if any(m in valid[p]["flags"] for p in top)]
        row = {"scenario": scenario, "params": dict(pk), "threads": threads,
               "winner": w, "winner_ops_per_sec": valid[w]["median"], "winner_span": valid[w].get("span"), "runner_up": None,
               "runner_up_ops_per_sec": None, "margin": None, "p_value": None, "verdict": "only",
               "samples": len(valid[w]["ops"]), "marks": marks,
               # kept as booleans for readers of recommendations.json from before `marks`
               "noisy": "noisy" in marks, "oversubscribed": "oversubscribed" in marks,
               # measured while other processes had its CPUs: shown, never taken for the primitive
               "disturbed": "disturbed" in marks,
               "ranking": [{"primitive": p, "ops_per_sec": valid[p]["median"]} for p in ranked]}
        # Allocations per operation (per message in queue and broker) where the cells counted them.
        allocs = {p: (valid[p].get("metrics") or {}).get("allocs_per_op") for p in ranked}
        allocs = {p: v for p, v in allocs.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        if allocs:
            row["allocs_per_op"] = allocs
        if len(ranked) > 1:
            r = ranked[1]
            p = significance(valid[w]["ops"], valid[r]["ops"])
            margin = valid[w]["median"] / valid[r]["median"] if valid[r]["median"] > 0 else None
            row.update(runner_up=r, runner_up_ops_per_sec=valid[r]["median"], margin=margin, p_value=p,
                       verdict=verdict(margin, p, min_effect),
                       below_min_effect=margin is not None and margin < min_effect)
        rows.append(row)
    dq_list = [{"scenario": sc, "primitive": prim, "detail": why}
               for sc, prims in sorted(dq.items()) for prim, why in sorted(prims.items())]
    return {"rows": rows, "excluded": excluded, "disqualified": dq_list, "min_effect": min_effect}


def fmt_ratio(x):
    if x is None:
        return "—"
    if math.isinf(x):
        return "∞×"
    return f"{x:.2f}×" if x < 10 else f"{x:.0f}×"


def fmt_ns(x):
    """A time in ns in the unit its magnitude reads best in: 850 ns, 5.51 µs, 5.51 ms, 1.2 s."""
    if x is None:
        return "—"
    a = abs(x)
    for unit, f in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if a >= f:
            return f"{x / f:.3g} {unit}"
    return f"{x:.3g} ns"


def fmt_num(x, unit=""):
    """A count or a rate with an SI prefix: 1.5 k, 6.6 G (3 significant digits); unit appended."""
    if x is None:
        return "—"
    a = abs(x)
    for prefix, f in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if a >= f:
            return f"{x / f:.3g} {prefix}{unit}"
    return f"{x:.3g}" + (unit if unit.startswith("/") else f" {unit}" if unit else "")


def fmt_ops(x):
    for unit, f in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= f:
            return f"{x / f:.3g} {unit}ops/s"
    return f"{x:.3g} ops/s"


def baselines_of(doc):
    """{scenario: [primitive ids]}: the baselines each scenario declares (context.lfbench_scenarios)."""
    spec = doc.get("context", {}).get("lfbench_scenarios") or {}
    return {sc: [b for b in (v.get("baselines") or []) if isinstance(b, str)]
            for sc, v in spec.items() if isinstance(v, dict)}


def vs_baseline(rows, ids):
    """Every primitive of rows (matrix rows of one group) against the first of ids measured in
    them: (baseline, {primitive: [throughput / baseline's, one per row with both]}), or (None, {})."""
    present = {x["primitive"] for r in rows for x in r["ranking"]}
    base = next((b for b in ids if b in present), None)
    if base is None:
        return None, {}
    out = {}
    for r in rows:
        ops = {x["primitive"]: x["ops_per_sec"] for x in r["ranking"]}
        if ops.get(base, 0) > 0:
            for p, v in ops.items():
                if p != base:
                    out.setdefault(p, []).append(v / ops[base])
    return base, out


def _gmean(xs):
    return statistics.geometric_mean([max(x, 1e-12) for x in xs])


def vs_baseline_text(base, ratios, n_rows):
    """"vs std_mutex: atomic_relaxed 7.9×, atomic_seq_cst 7.6×, ttas_spinlock 0.85×" (ranges
    over several cells), fastest first."""
    parts = []
    for p in sorted(ratios, key=lambda p: (-_gmean(ratios[p]), p)):
        rs = ratios[p]
        lo, hi = min(rs), max(rs)
        parts.append(f"{p} {fmt_ratio(lo)}" if len(rs) == 1 or fmt_ratio(lo) == fmt_ratio(hi)
                     else f"{p} {fmt_ratio(lo).rstrip('×')}–{fmt_ratio(hi)}")
    over = f" over {n_rows} cells" if n_rows > 1 else ""
    return f"throughput vs {base} (the baseline){over}: " + ", ".join(parts)


def summary(mat, cpus, baselines=None):
    """Per scenario and thread count (contention level): the best choice and the measured reason.

    Best = the highest geometric mean, over the group's parameter cells, of its throughput
    relative to each cell's leader: the choice that is right across the sweep, not in one cell.
    The reason quotes its margins over the runner-up and the slowest primitive where it leads
    most, and how close it stays to the leader where it does not lead. baselines ({scenario:
    [ids]}, baselines_of()): every primitive's throughput against the first one measured, so two
    near-equal leaders still show their gap to the lock."""
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
        if led and not sig:
            # Naming a leader of ties would claim what the measurements do not show.
            parts.append(f"no clear leader: every lead is a tie (below {fmt_ratio(mat.get('min_effect', MIN_EFFECT))} "
                         f"or not significant); {best} is closest to the top across the {len(rows)} cells")
        elif led:
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
        base, ratios = vs_baseline(rows, (baselines or {}).get(scenario, []))
        if ratios:
            parts.append(vs_baseline_text(base, ratios, sum(any(x["primitive"] == base for x in r["ranking"]) for r in rows)))
        for mark in CELL_MARKS:
            n = sum(mark in r.get("marks", ()) for r in rows)
            if n and mark != "oversubscribed":
                parts.append(f"{n} {mark} cell{'s' if n > 1 else ''}" +
                             (" (other processes had the CPUs)" if mark == "disturbed" else ""))
        line = {"scenario": scenario, "threads": threads, "contention": contention(threads, cpus),
                "best": best, "significant": sig > 0,
                "text": f"{scenario}, {t} ({contention(threads, cpus)}): " + "; ".join(parts)}
        if ratios:
            line["vs_baseline"] = {"baseline": base, "ratios": {p: {"min": min(v), "max": max(v), "geomean": _gmean(v),
                                                                    "cells": len(v)} for p, v in sorted(ratios.items())}}
        lines.append(line)
    return lines


def mode_params(rows):
    """Non-numeric workload parameters with more than one value among rows (a broker's delivery,
    a queue's mode or split): modes, compared with each other by mode_comparisons()."""
    values = {}
    for r in rows:
        for k, v in r["params"].items():
            if isinstance(v, str):
                values.setdefault(k, set()).add(v)
    return sorted(k for k, vs in values.items() if len(vs) > 1)


def mode_comparisons(mat):
    """The values of each mode parameter (mode_params) against each other, for the same other
    parameters: per thread count both measured, else pairing each mode's thread counts in order
    (a push broker's drain thread makes its cells one thread more), each mode's best primitive
    and, for primitives measured in two modes, their own ratio. [{"scenario", "param", "params",
    "threads": {mode: threads}, "ranking": [{"mode", "best", "ops_per_sec"}], "text"}]."""
    min_effect = mat.get("min_effect", MIN_EFFECT)
    out = []
    for scenario in sorted({r["scenario"] for r in mat["rows"]}):
        rows = [r for r in mat["rows"] if r["scenario"] == scenario]
        for name in mode_params(rows):
            groups = {}
            for r in rows:
                if name in r["params"]:
                    rest = params_key({k: v for k, v in r["params"].items() if k != name})
                    groups.setdefault(rest, {}).setdefault(r["params"][name], {})[r["threads"]] = r
            for rest, modes in sorted(groups.items(), key=lambda kv: pk_order(kv[0])):
                if len(modes) < 2:
                    continue
                shared = sorted(set.intersection(*(set(m) for m in modes.values())))
                if shared:
                    points = [{m: (t, modes[m][t]) for m in modes} for t in shared]
                else:  # no thread count in common: the k-th of each mode's
                    order = {m: sorted(ts) for m, ts in modes.items()}
                    points = [{m: (order[m][k], modes[m][order[m][k]]) for m in modes}
                              for k in range(min(len(v) for v in order.values()))]
                for pt in points:
                    out.append(_mode_line(scenario, name, rest, pt, min_effect))
    return out


def _mode_line(scenario, name, rest, pt, min_effect):
    """One comparison of a mode parameter's values (pt: {mode: (threads, matrix row)}) in words:
    each mode's best primitive against the leading mode's, then each primitive measured in two
    modes or more against itself."""
    ranked = sorted(pt, key=lambda m: (-pt[m][1]["winner_ops_per_sec"], str(m)))
    ts = {m: pt[m][0] for m in ranked}
    t0 = ts[ranked[0]]
    where = [params_label(rest)] if rest else []
    where.append(f"{t0} thread{'s' if t0 > 1 else ''}" if len(set(ts.values())) == 1 else
                 ", ".join(f"{name}={m} at {ts[m]} thread{'s' if ts[m] > 1 else ''}" for m in ranked))
    lead = pt[ranked[0]][1]
    text = (f"{scenario}, {name} modes compared ({'; '.join(where)}): {name}={ranked[0]} leads with "
            f"{lead['winner']} at {fmt_ops(lead['winner_ops_per_sec'])}")
    for m in ranked[1:]:
        r = pt[m][1]
        ratio = lead["winner_ops_per_sec"] / r["winner_ops_per_sec"] if r["winner_ops_per_sec"] > 0 else math.inf
        text += (f", {'≈' if ratio < min_effect else ''}{fmt_ratio(ratio)} {name}={m}'s best "
                 f"({r['winner']} {fmt_ops(r['winner_ops_per_sec'])})")
    # Each primitive measured in two modes or more, against itself: its best mode over the others.
    ops = {m: {x["primitive"]: x["ops_per_sec"] for x in pt[m][1]["ranking"]} for m in ranked}
    same = []
    for p in sorted({p for o in ops.values() for p in o}):
        mine = sorted((m for m in ranked if ops[m].get(p, 0) > 0), key=lambda m: (-ops[m][p], str(m)))
        if len(mine) >= 2:
            top = ops[mine[0]][p]
            same.append(f"{p} {mine[0]} " + ", ".join(f"{fmt_ratio(top / ops[m][p])} {m}" for m in mine[1:]))
    if same:
        text += "; the same primitive in each: " + "; ".join(same)
    return {"scenario": scenario, "param": name, "params": dict(rest), "threads": ts,
            "ranking": [{"mode": m, "best": pt[m][1]["winner"], "ops_per_sec": pt[m][1]["winner_ops_per_sec"]}
                        for m in ranked], "text": text}


def crossovers(mat):
    """Where the leader changes along threads and along each numeric parameter, in words:
    "striped_counter overtakes atomic_relaxed from 2 threads (read_pct=0)", and reversals: "seqlock
    leads again from read_pct=90". A leader is a cell's winner by at least the minimum effect
    (the table's margin column); cells below it are ties and neither start nor end a lead, so the
    text agrees with the table. A change to a leader that has led before along the same axis is a
    reversal."""
    min_effect = mat.get("min_effect", MIN_EFFECT)
    rows = [r for r in mat["rows"] if r["verdict"] != "only"]
    out = []

    def walk(series, axis_name, unit, context):
        leaders, last = set(), None  # leaders so far along this axis; the current one and its row
        for x, r in sorted(series, key=lambda t: t[0]):
            if r["margin"] is not None and r["margin"] < min_effect:
                continue
            w = r["winner"]
            if last is not None and w != last["winner"]:
                again = w in leaders
                sure = "" if r["verdict"] == "significant" else " (not significant)"
                verb = "leads again" if again else f"overtakes {last['winner']}"
                out.append({"scenario": r["scenario"], "axis": axis_name, "at": x, "new": w, "old": last["winner"],
                            "reversal": again, "significant": r["verdict"] == "significant",
                            "text": f"{r['scenario']}: {w} {verb} from {unit(x)}{context}{sure}"})
            leaders.add(w)
            last = r

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



def recommendations(docs, paths, min_effect=MIN_EFFECT):
    out = []
    for doc, path in zip(docs, paths):
        m = matrix(doc, min_effect)
        cpus = logical_cpus(doc)
        from .cases import case_records
        out.append({"file": str(path), "host": doc["context"].get("lfbench_host") or doc["context"].get("host_name"),
                    "date": doc["context"].get("date"), "alpha": ALPHA, "min_effect": min_effect, "cells": m["rows"],
                    "excluded": m["excluded"], "disqualified": m["disqualified"],
                    "summary": summary(m, cpus, baselines_of(doc)), "modes": mode_comparisons(m),
                    "crossovers": crossovers(m), "cases": case_records(doc, min_effect)})
    return out


def small_n_note(recs):
    n = min((c["samples"] for r in recs for c in r["cells"] if c["verdict"] != "only"), default=0)
    if 0 < n < 4:
        return (f"Only {n} repetitions per cell: a two-sided Mann-Whitney test cannot reach p < {ALPHA} "
                "with fewer than 4 per side, so every cell is a tie. Run with --repetitions 5 or more to separate them.")
    return ""
