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
    caught at one read ratio is not a candidate at another where the oracle happened to miss."""
    out = {}
    for (scenario, pk, threads), prims in sorted(cells(doc).items(), key=lambda kv: (kv[0][0], pk_order(kv[0][1]), kv[0][2])):
        for label, s in sorted(prims.items()):
            if not s["ok"] and s["base"] not in out.get(scenario, {}):
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
        for mark in CELL_MARKS:
            n = sum(mark in r.get("marks", ()) for r in rows)
            if n and mark != "oversubscribed":
                parts.append(f"{n} {mark} cell{'s' if n > 1 else ''}" +
                             (" (other processes had the CPUs)" if mark == "disturbed" else ""))
        lines.append({"scenario": scenario, "threads": threads, "contention": contention(threads, cpus),
                      "best": best, "significant": sig > 0,
                      "text": f"{scenario}, {t} ({contention(threads, cpus)}): " + "; ".join(parts)})
    return lines


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
        out.append({"file": str(path), "host": doc["context"].get("lfbench_host") or doc["context"].get("host_name"),
                    "date": doc["context"].get("date"), "alpha": ALPHA, "min_effect": min_effect, "cells": m["rows"],
                    "excluded": m["excluded"], "disqualified": m["disqualified"],
                    "summary": summary(m, cpus), "crossovers": crossovers(m)})
    return out


def small_n_note(recs):
    n = min((c["samples"] for r in recs for c in r["cells"] if c["verdict"] != "only"), default=0)
    if 0 < n < 4:
        return (f"Only {n} repetitions per cell: a two-sided Mann-Whitney test cannot reach p < {ALPHA} "
                "with fewer than 4 per side, so every cell is a tie. Run with --repetitions 5 or more to separate them.")
    return ""
