"""Case studies: a results file written by `lfbench run --suite NAME` carries the suite's questions
(context.lfbench_suite); each is answered here from the cells measured — one sentence, the table
that shows it and what its chart draws — or says why this file cannot answer it.

Kinds (the measure is ops_per_sec unless the question names op:KIND, m:METRIC or lat:KIND:PCT):
- ratio: the baseline's time per op over each primitive's (how many times faster), per cell;
- best: the winner and its margin over the runner-up per value of `along` (or per cell);
- crossover: where along `along` the lead changes between the baseline and the primitives;
- scaling: ops/s per thread count against linear scaling from the 1-thread figure;
- metric: the measure's value per cell;
- correctness: each primitive's verification result (a known-broken one caught by its oracle);
- unanswerable: the question's `why`.
A question needing more logical CPUs than the file's (needs_cpus) says so and why. A cell left out
(failed verification, known broken, underpaced, hung, the measure missing) is named with its
reason; a question none of whose cells can be used is not answered and says which and why.
Everything is a pure function of the results dict; charts.case_figures draws the chart."""
import math

from .load import TITLE_CHARS, cells, logical_cpus, one_line, params_label, pk_order
from .stats import (MIN_EFFECT, disqualified, fmt_ns, fmt_num, fmt_ops, fmt_ratio, significance,
                    verdict)

KINDS = ("ratio", "best", "crossover", "scaling", "metric", "correctness", "unanswerable")
TEXT_CHARS = 600  # a question's text, as the suite reader bounds it
MAX_LISTED = 4  # left-out cells named in a sentence before "and N more"


# --------------------------------------------------------------------------- the suite

def suite_of(doc):
    """context.lfbench_suite when it has questions, else None."""
    s = (doc.get("context") or {}).get("lfbench_suite")
    if isinstance(s, dict) and isinstance(s.get("questions"), list) and s["questions"]:
        return s
    return None


def _text(v, limit=64):
    return one_line(v, limit) if isinstance(v, str) and v else ""


def question(raw):
    """A question with every field present and of its type (the file's text bounded, one line)."""
    raw = raw if isinstance(raw, dict) else {}
    where = raw.get("where") if isinstance(raw.get("where"), dict) else {}
    prims = raw.get("primitives") if isinstance(raw.get("primitives"), list) else []
    guess = raw.get("guess")
    cpus = raw.get("needs_cpus")
    threads = raw.get("threads") if isinstance(raw.get("threads"), list) else []
    return {"id": _text(raw.get("id")) or "?", "text": _text(raw.get("text"), TEXT_CHARS) or "(no text)",
            "kind": raw.get("kind") if raw.get("kind") in KINDS else "unanswerable",
            "unknown_kind": raw.get("kind") not in KINDS,
            "scenario": _text(raw.get("scenario")), "baseline": _text(raw.get("baseline")) or None,
            "where": {str(k): str(v) for k, v in where.items()},
            "primitives": [p for p in prims if isinstance(p, str) and p],
            "along": _text(raw.get("along")) or None, "measure": _text(raw.get("measure")) or "ops_per_sec",
            "guess": float(guess) if isinstance(guess, (int, float)) and not isinstance(guess, bool)
            and math.isfinite(guess) else None,
            "needs_cpus": cpus if isinstance(cpus, int) and not isinstance(cpus, bool) else None,
            # only cells of these thread counts answer it (a suite's sequential vs concurrent claims)
            "threads": sorted({t for t in threads if isinstance(t, int) and not isinstance(t, bool) and t > 0}),
            "why": _text(raw.get("why"), TEXT_CHARS)}


# --------------------------------------------------------------------------- measures

# Words in a metric's name that make it a cost (lower is better): time, allocations, copying.
_COST_WORDS = {"ns", "latency", "alloc", "allocs", "allocations", "copied", "staleness", "cost", "misses", "bytes"}


def lower_is_better(key):
    """Whether a smaller value of the measure is the better one: latencies, and metrics named as
    costs (allocs_per_op, bytes_copied_per_sec, ns_per_record, staleness_ns_mean)."""
    if key.startswith("lat:"):
        return True
    if key.startswith("m:"):
        return bool(set(key[2:].lower().split("_")) & _COST_WORDS)
    return False


def measure(doc, scenario, key):
    """{"key", "name", "higher", "get": sample -> value or None, "fmt": value -> text, "samples":
    sample -> per-repetition values or None}, or None for a key this report cannot read."""
    if key == "ops_per_sec":
        return {"key": key, "name": "throughput", "higher": True, "fmt": fmt_ops, "ops": True,
                "get": lambda s: s["median"] if s["ops"] else None, "samples": lambda s: s["ops"]}
    kind, _, rest = key.partition(":")
    titles = dict(((doc.get("context") or {}).get("lfbench_scenarios") or {}).get(scenario, {}).get("measures") or [])
    title = one_line(titles.get(key, ""), TITLE_CHARS) if isinstance(titles.get(key), str) else ""
    if kind == "m" and rest:
        def get(s, k=rest):
            v = (s.get("metrics") or {}).get(k)
            return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
        low = rest.lower()
        fmt = (fmt_ns if "ns" in low.split("_") else (lambda v: fmt_num(v, "/s")) if low.endswith("per_sec") else fmt_num)
        return {"key": key, "name": title or rest.replace("_", " "), "higher": not lower_is_better(key), "fmt": fmt,
                "ops": False, "get": get, "samples": lambda s: None}
    if kind == "op" and rest:
        # One kind's operations per second (the readers' of a cow cell beside its paced writer).
        def get(s, k=rest):
            v = ((s.get("op_kinds") or {}).get(k) or {}).get("ops_per_sec")
            return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
        return {"key": key, "name": title or f"{rest} throughput", "higher": True, "fmt": fmt_ops, "ops": False,
                "get": get, "samples": lambda s: None}
    if kind == "lat":
        op, _, pct = rest.partition(":")
        if op and pct:
            def get(s, op=op, pct=pct):
                v = (((s.get("op_kinds") or {}).get(op) or {}).get("latency_ns") or {}).get(pct)
                return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
            name = title[:-5] if title.endswith(" (ns)") else title
            return {"key": key, "name": name or f"{op} latency {pct}", "higher": False, "fmt": fmt_ns, "ops": False,
                    "get": get, "samples": lambda s: None}
    return None


# --------------------------------------------------------------------------- cells

def _matches(lf, where, threads=()):
    """Whether an entry has the question's `where` values: its parameters', and threads (not a
    parameter, but a suite may name it). A parameter the entry lacks matches: its primitive
    ignores it (mutex_map has no shards), and that primitive is the baseline such a question
    compares the configured ones with."""
    params = lf.get("params") or {}
    if threads and lf.get("threads") not in threads:
        return False
    return all(str(params[k]) == v if k in params else (k != "threads" or str(lf.get("threads")) == v)
               for k, v in where.items())


def sub_doc(doc, q):
    """The file's cells this question reads: its scenario's entries with the `where` values, of
    the baseline and the primitives asked about (all but the baseline when none is named), as a
    results dict of their own (same context), so every chart function draws them as they are."""
    entries = [b for b in doc.get("benchmarks", []) if isinstance(b.get("lfbench"), dict)
               and b["lfbench"].get("scenario") == q["scenario"] and _matches(b["lfbench"], q["where"], q.get("threads", ()))]
    present = sorted({b["lfbench"]["primitive"] for b in entries})
    wanted = q["primitives"] or [p for p in present if p != q["baseline"]]
    keep = set(wanted) | ({q["baseline"]} if q["baseline"] else set())
    sub = {"context": doc.get("context", {}), "benchmarks": [b for b in entries if b["lfbench"]["primitive"] in keep]}
    if doc.get("_file"):
        sub["_file"] = doc["_file"]
    return sub, wanted, present


def _threads(t):
    return f"{t} thread{'s' if t != 1 else ''}"


class _Cells:
    """The question's cells: [(pk, threads, label, sample)] and what varies among them."""

    def __init__(self, sub, q):
        self.rows = []
        for (sc, pk, t), prims in sorted(cells(sub).items(), key=lambda kv: (pk_order(kv[0][1]), kv[0][2])):
            for label, s in sorted(prims.items()):
                self.rows.append((pk, t, label, s))
        values = {}
        for pk, _, _, _ in self.rows:
            for k, v in pk:
                values.setdefault(k, set()).add(v)
        self.varying = sorted(k for k, vs in values.items() if len(vs) > 1)
        self.threads = sorted({t for _, t, _, _ in self.rows})
        self.numeric = sorted(k for k in self.varying if all(isinstance(v, (int, float)) for v in values[k]))

    def at(self, pk, t, skip=()):
        """"2 threads, read_pct=50": where a cell is among the question's (of its parameters,
        those that vary)."""
        parts = [f"{k}={v}" for k, v in pk if k in self.varying and k not in skip]
        return ", ".join(([_threads(t)] if len(self.threads) > 1 or not parts else []) + parts)


def _why_out(s, dq_reason):
    """Why a sample cannot answer, in a few words; None when it can."""
    if s["known_broken"]:
        return "known broken (shown to be caught, never ranked)"
    if s.get("tsan_detail"):
        return "failed lfbench verify (ThreadSanitizer)"
    if s["verify_failed"]:
        return "failed verification" + (f" ({one_line(s['verify_detail'], 120)})" if s["verify_detail"] else "")
    if "underpaced" in s["flags"]:
        return "underpaced (its paced thread made fewer than 10 events in a window)"
    if not s["ok"]:
        return one_line(s["detail"], 120) or "flagged invalid"
    if dq_reason:
        return "failed verification elsewhere in the scenario (ranked nowhere in it)"
    for f in ("hung", "crashed"):
        if f in s["flags"] and not (s["median"] > 0):
            return f
    return None


def _listed(items):
    """"a, b, c and 2 more"."""
    items = list(dict.fromkeys(items))
    if len(items) <= MAX_LISTED:
        return ", ".join(items)
    return ", ".join(items[:MAX_LISTED]) + f" and {len(items) - MAX_LISTED} more"


def _guess(q, unit="×", along=None):
    if q["guess"] is None:
        return ""
    g = f"{q['guess']:g}"
    return f" — the case guessed {along}≈{g}" if along else f" — the case guessed ~{g}{unit}"


# --------------------------------------------------------------------------- answers

class _Unanswered(Exception):
    """Raised by a kind's answer when the cells cannot answer it: the message says why."""


def answers(doc, min_effect=MIN_EFFECT):
    """Every question of the file's suite, answered: [{"id", "text", "kind", "answered", "answer",
    "note", "table" (rows of strings, header first, or None), "chart" (what charts.case_figures
    draws, or None)}]; [] without a suite."""
    s = suite_of(doc)
    if s is None:
        return []
    dq = disqualified(doc)
    return [answer(doc, question(q), min_effect, dq) for q in s["questions"]]


def case_records(doc, min_effect=MIN_EFFECT):
    """answers() as recommendations.json states them: id, text, kind, answer, answered."""
    s = suite_of(doc)
    if s is None:
        return []
    return [{"case": _text(s.get("case"), 16), "suite": _text(s.get("name")), "id": a["id"], "text": a["text"],
             "kind": a["kind"], "answer": a["answer"], "answered": a["answered"]} for a in answers(doc, min_effect)]


def answer(doc, q, min_effect=MIN_EFFECT, dq=None):
    """One question (question()) answered from doc; dq: disqualified(doc), when the caller has it."""
    out = {"id": q["id"], "text": q["text"], "kind": q["kind"], "answered": False, "answer": "", "note": None,
           "table": None, "chart": None}
    if q["kind"] == "unanswerable":
        why = q["why"] or ("its kind is not one this report knows" if q["unknown_kind"] else "the suite gives no reason")
        out["answer"] = f"lfbench cannot answer this: {why}" + ("" if why.endswith((".", "!", "?")) else ".")
        return out
    if not q["scenario"]:
        out["answer"] = "Not answered: the question names no scenario."
        return out
    m = measure(doc, q["scenario"], q["measure"])
    if m is None:
        out["answer"] = f"Not answered: this report cannot read the measure '{q['measure']}' (ops_per_sec, op:KIND, m:METRIC or lat:KIND:PCT)."
        return out
    try:
        text, table, chart = KIND_ANSWER[q["kind"]](doc, q, m, min_effect, disqualified(doc) if dq is None else dq)
        out.update(answered=True, answer=text, table=table, chart=chart)
    except _Unanswered as e:
        out["answer"] = f"Not answered: {e}."
    cpus = logical_cpus(doc)
    if q["needs_cpus"] and cpus and q["needs_cpus"] > cpus:
        measured = out["answer"]
        why = q["why"]
        reason = f"needs {q['needs_cpus']} CPUs" + ((" " + why if why[:1].islower() else f" ({why})") if why else "")
        out.update(answered=False, answer=f"Cannot be answered on this machine: {reason}; this machine has {cpus}.",
                   note=("Measured here anyway, not the answer: " + measured) if out["table"] else None)
    return out


def _setup(doc, q, dq_all, need_baseline=False):
    """(sub-doc, cells, wanted ids, the full file's disqualified primitives of the scenario)."""
    sub, wanted, present = sub_doc(doc, q)
    where = f" with {params_label(tuple(q['where'].items()))}" if q["where"] else ""
    if not present:
        raise _Unanswered(f"no {q['scenario']} cell{where} was measured in this file (the run did not include it, or stopped first)")
    if need_baseline and not q["baseline"]:
        raise _Unanswered(f"a {q['kind']} question needs a baseline and this one names none")
    if need_baseline and q["baseline"] not in present:
        raise _Unanswered(f"its baseline {q['baseline']} was not measured in {q['scenario']}{where}")
    missing = [p for p in wanted if p not in present]
    if need_baseline and not wanted:
        raise _Unanswered(f"only the baseline {q['baseline']} was measured in {q['scenario']}{where}: nothing to compare it with")
    if missing and len(missing) == len(wanted):
        raise _Unanswered(f"{_listed(missing)} {'was' if len(missing) == 1 else 'were'} not measured in {q['scenario']}{where}")
    if q["baseline"] and q["baseline"] not in present:
        missing.append(q["baseline"])
    dq = dq_all.get(q["scenario"], {})
    return sub, _Cells(sub, q), [p for p in wanted if p in present], missing, dq


def _usable(cs, m, dq):
    """({(pk, t): {label: (value, sample)}} of the cells that can answer, [(why, "label at
    cell")] of those left out)."""
    good, out = {}, []
    for pk, t, label, s in cs.rows:
        why = _why_out(s, dq.get(s["base"]))
        v = m["get"](s) if why is None else None
        if why is None and v is None:
            why = f"no {m['name']} measured"
        if why is not None:
            out.append((why, f"{label} at {cs.at(pk, t)}"))
            continue
        good.setdefault((pk, t), {})[label] = (v, s)
    return good, out


def _by_reason(out):
    """"underpaced (...): a at 2 threads, b at 4 threads; hung: c at 8 threads"."""
    reasons = {}
    for why, what in out:
        reasons.setdefault(why, []).append(what)
    return "; ".join(f"{why}: {_listed(whats)}" for why, whats in reasons.items())


def _left_out(out, missing):
    parts = []
    if out:
        parts.append("left out — " + _by_reason(out))
    if missing:
        parts.append("not measured: " + _listed(missing))
    return "".join(f"; {p}" for p in parts)


def _unusable(out, what):
    raise _Unanswered(f"no cell of {what} can be used — " + _by_reason(out) if out else f"no cell of {what} was measured")


def _base_label(cell, base):
    return next((lab for lab in sorted(cell) if cell[lab][1]["base"] == base), None)


def _subject(q):
    where = f" ({params_label(tuple(q['where'].items()))})" if q["where"] else ""
    return f"{q['scenario']}{where}"


def _chart(sub, q, m, x, relative=None, what=None):
    """What charts.case_figures draws: the question's cells (sub) over x, by its measure,
    relative to its baseline's label where it has one."""
    return {"doc": sub, "scenario": q["scenario"], "x": x, "measure": m["key"], "relative": relative,
            "ylabel": m["name"], "what": what or m["name"]}


def _x_for(cs, along=None):
    """The chart's x: along (numeric), else threads when several, else the first numeric
    parameter that varies, else threads (bars)."""
    if along and along in cs.numeric:
        return along
    if len(cs.threads) > 1:
        return "threads"
    return cs.numeric[0] if cs.numeric else "threads"


def _better(m, a, b):
    """How many times a is better than b (>1: a better), by the measure's direction."""
    if a is None or b is None:
        return None
    if m["higher"]:
        return a / b if b > 0 else (math.inf if a > 0 else 1.0)
    return b / a if a > 0 else (math.inf if b > 0 else 1.0)


def _ratio_words(m, r, min_effect=None):
    """(number, word) of a "times better" ratio: ("2.4×", "faster") / ("1.3×", "slower") for
    throughput, ("2.0×", "lower") for a cost in its own direction; ("1.02×", "about the same")
    within the minimum effect."""
    if r is None:
        return "—", ""
    if min_effect and 1 / min_effect < r < min_effect:
        return fmt_ratio(r), "about the same"
    q = r if r >= 1 else (1 / r if r > 0 else math.inf)  # 0: nothing where the baseline had some
    if m["ops"]:
        return fmt_ratio(q), "faster" if r >= 1 else "slower"
    up = (r >= 1) == m["higher"]  # r is "times better": said in the measure's own direction
    return fmt_ratio(q), "higher" if up else "lower"


def _ratio(doc, q, m, min_effect, dq_all):
    sub, cs, wanted, missing, dq = _setup(doc, q, dq_all, need_baseline=True)
    base = q["baseline"]
    good, out = _usable(cs, m, dq)
    per = {}  # label -> [(pk, t, ratio, p)]
    table = [["cell", f"{base}: {m['name']}", "primitive", m["name"], f"× {base}" + (" (faster)" if m["ops"] else ""), "p"]]
    for (pk, t), cell in sorted(good.items(), key=lambda kv: (pk_order(kv[0][0]), kv[0][1])):
        b = _base_label(cell, base)
        if b is None:
            continue
        bv, bs = cell[b]
        for label, (v, s) in sorted(cell.items()):
            if label == b:
                continue
            r = _better(m, v, bv)
            p = significance(s["ops"], bs["ops"]) if m["ops"] else None
            per.setdefault(label, []).append((pk, t, r, p))
            table.append([cs.at(pk, t), m["fmt"](bv), label, m["fmt"](v), " ".join(_ratio_words(m, r)),
                          "—" if p is None else f"{p:.3f}"])
    if not per:
        _unusable(out, f"{base} beside {_listed(wanted)} in {_subject(q)}")
    parts = []
    for label in sorted(per, key=lambda lab: -max(x[2] or 0 for x in per[lab])):
        phrases, last = [], None
        for pk, t, r, p in per[label]:
            num, word = _ratio_words(m, r, min_effect)
            if word == "about the same":
                shown = f"about the same ({num})"
            else:  # the word once for a run of the same direction: "2.4× faster at 1 thread, 2.2× at 2 threads"
                shown = num if word == last else f"{num} {word}"
            phrases.append(f"{shown} at {cs.at(pk, t)}")
            last = word
        parts.append(f"{label} vs {base}" + ("" if m["ops"] else f" ({m['name']})") + ": " + ", ".join(phrases))
    text = f"{_subject(q)}: " + "; ".join(parts) + _guess(q) + _left_out(out, missing) + "."
    blabels = {_base_label(c, base) for c in good.values()} - {None}
    rel = blabels.pop() if len(blabels) == 1 else None
    return text, table, _chart(sub, q, m, _x_for(cs), relative=rel, what=m["name"])


def _ranked(m, cell):
    """The cell's labels, best first by the measure."""
    return sorted(cell, key=lambda lab: ((-cell[lab][0]) if m["higher"] else cell[lab][0], lab))


def _groups(cs, good, along):
    """{(threads, other params): [(along value or None, pk, t, cell)]} in along's order."""
    groups = {}
    for (pk, t), cell in good.items():
        x = dict(pk).get(along) if along else None
        rest = tuple((k, v) for k, v in pk if k != along)
        groups.setdefault((t, rest) if along else ((), ()), []).append((x, pk, t, cell))
    for pts in groups.values():
        pts.sort(key=lambda p: ((isinstance(p[0], str), p[0]) if p[0] is not None else (False, 0), pk_order(p[1]), p[2]))
    return dict(sorted(groups.items(), key=lambda kv: (kv[0][0] if kv[0][0] != () else 0, pk_order(kv[0][1]))))


def _group_text(cs, key, along):
    t, rest = key
    if t == ():
        return ""
    parts = ([_threads(t)] if len(cs.threads) > 1 else []) + [f"{k}={v}" for k, v in rest if k in cs.varying]
    return "at " + ", ".join(parts) if parts else ""


def _best(doc, q, m, min_effect, dq_all):
    sub, cs, wanted, missing, dq = _setup(doc, q, dq_all)
    along = q["along"]
    if along and along not in {k for pk, _, _, _ in cs.rows for k, _ in pk}:
        raise _Unanswered(f"no cell has the parameter {along} that the question compares along")
    good, out = _usable(cs, m, dq)
    good = {k: c for k, c in good.items() if len(c) >= 1}
    if not good:
        _unusable(out, _subject(q))
    table = [[along or "cell", "threads", "winner", m["name"], "runner-up", m["name"], "margin", "verdict"]]
    texts = []
    for key, pts in _groups(cs, good, along).items():
        runs = []  # [winner, [xs], [margins]]
        for x, pk, t, cell in pts:
            order = _ranked(m, cell)
            w = order[0]
            r = order[1] if len(order) > 1 else None
            margin = _better(m, cell[w][0], cell[r][0]) if r else None
            if r is None:
                verdict_text = "only"
            elif m["ops"]:
                verdict_text = verdict(margin, significance(cell[w][1]["ops"], cell[r][1]["ops"]), min_effect)
            else:
                verdict_text = "lead" if margin is None or margin >= min_effect else "tie"
            table.append([str(x) if along else cs.at(pk, t), str(t), w, m["fmt"](cell[w][0]), r or "—",
                          m["fmt"](cell[r][0]) if r else "—", fmt_ratio(margin) if r else "—", verdict_text])
            name = w if verdict_text != "tie" else f"a tie ({w} ≈ {r})"
            xs = x if along else cs.at(pk, t)
            if runs and runs[-1][0] == name:
                runs[-1][1].append(xs)
                runs[-1][2].append(margin)
            else:
                runs.append([name, [xs], [margin], r])
        phrases = []
        for name, xs, margins, r in runs:
            if along and len(xs) > 1 and all(isinstance(v, (int, float)) for v in xs):
                where = f"{along}={xs[0]}–{xs[-1]}"  # a run of numeric values
            else:  # "2 threads and 8 threads", "read_op=iterate and lookup"
                xs = [str(v) for v in xs]
                listed = xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " and " + xs[-1]
                where = f"{along}={listed}" if along else listed
            ms = [mg for mg in margins if mg is not None]
            by = ""
            if ms and not name.startswith("a tie"):
                lo, hi = min(ms), max(ms)
                by = f" (by {fmt_ratio(lo)} over the runner-up)" if fmt_ratio(lo) == fmt_ratio(hi) else \
                    f" (by {fmt_ratio(lo).rstrip('×')}–{fmt_ratio(hi)} over the runner-up)"
            elif name.startswith("a tie") and ms:
                by = f" ({fmt_ratio(ms[0])})"
            phrases.append(f"{name} at {where}{by}")
        head = _group_text(cs, key, along)
        texts.append((f"{head}: " if head else "") + ", ".join(phrases))
    text = f"best {m['name']} in {_subject(q)}: " + "; ".join(texts) + _guess(q) + _left_out(out, missing) + "."
    x = along if along in cs.numeric else ("threads" if len(cs.threads) > 1 else _x_for(cs))
    return text, table, _chart(sub, q, m, x, what=f"{m['name']}: the best per {along or 'cell'}")


def _crossover(doc, q, m, min_effect, dq_all):
    sub, cs, wanted, missing, dq = _setup(doc, q, dq_all, need_baseline=True)
    base, along = q["baseline"], q["along"]
    if not along:
        raise _Unanswered("a crossover question needs the parameter it moves along (along) and this one names none")
    if along not in {k for pk, _, _, _ in cs.rows for k, _ in pk}:
        raise _Unanswered(f"no cell has the parameter {along} that the question moves along")
    good, out = _usable(cs, m, dq)
    table = [[along, "cell", f"{base}: {m['name']}", "best of the others", m["name"], f"× {base}", "leader"]]
    texts = []
    for key, pts in _groups(cs, good, along).items():
        seq = []  # (x, side, leader label, advantage)
        for x, pk, t, cell in pts:
            b = _base_label(cell, base)
            others = [lab for lab in _ranked(m, cell) if lab != b]
            if b is None or not others:
                continue
            p = others[0]
            adv = _better(m, cell[p][0], cell[b][0])
            side = "prim" if adv >= min_effect else "base" if adv <= 1 / min_effect else "tie"
            leader = p if side == "prim" else b if side == "base" else f"tie ({fmt_ratio(adv)})"
            seq.append((x, side, leader, adv))
            table.append([str(x), cs.at(pk, t, skip=(along,)), m["fmt"](cell[b][0]), p, m["fmt"](cell[p][0]),
                          fmt_ratio(adv), leader])
        if not seq:
            continue
        head = _group_text(cs, key, along)
        head = f"{head}: " if head else ""
        decided = [s for s in seq if s[1] != "tie"]
        if not decided:
            texts.append(f"{head}no leader at any {along} (all within {fmt_ratio(min_effect)})")
            continue
        changes, prev = [], None
        for i, s in enumerate(decided):
            if prev is not None and s[1] != prev[1]:
                changes.append((prev, s))
            prev = s
        if not changes:
            who = base if decided[0][1] == "base" else _listed(sorted({s[2] for s in decided}))
            advs = [s[3] if s[1] == "prim" else 1 / s[3] for s in decided]
            texts.append(f"{head}{who} leads at every {along} measured ({seq[0][0]}–{seq[-1][0]}, by "
                         f"{fmt_ratio(min(advs)).rstrip('×')}–{fmt_ratio(max(advs))})" if len(seq) > 1 else
                         f"{head}{who} leads at {along}={seq[0][0]} ({fmt_ratio(advs[0])})")
            continue
        first = changes[0][0]
        phrase = f"{head}{first[2]} leads up to {along}={first[0]}"
        for before, after in changes:
            phrase += f", {after[2]} from {along}={after[0]}"
        texts.append(phrase)
    if not texts:
        _unusable(out, f"{base} beside {_listed(wanted)} in {_subject(q)}")
    text = f"{_subject(q)}, {base} against {_listed(wanted)} along {along} ({m['name']}) — " + "; ".join(texts) + \
        _guess(q, along=along) + _left_out(out, missing) + "."
    blabels = {_base_label(c, base) for c in good.values()} - {None}
    rel = blabels.pop() if len(blabels) == 1 else None
    x = along if along in cs.numeric else "threads"
    return text, table, _chart(sub, q, m, x, relative=rel, what=f"{m['name']} along {along}")


def _scaling(doc, q, m, min_effect, dq_all):
    sub, cs, wanted, missing, dq = _setup(doc, q, dq_all)
    good, out = _usable(cs, m, dq)
    labels = sorted({lab for c in good.values() for lab in c})
    cpus = logical_cpus(doc)
    table = [["primitive", "cell", "threads", m["name"], "ideal (1 thread × threads)", "of linear"]]
    texts, no_one = [], []
    beyond = False
    for label in labels:
        by_rest = {}
        for (pk, t), cell in good.items():
            if label in cell:
                by_rest.setdefault(pk, {})[t] = cell[label][0]
        for pk, series in sorted(by_rest.items(), key=lambda kv: pk_order(kv[0])):
            one = series.get(1)
            where = ", ".join(f"{k}={v}" for k, v in pk if k in cs.varying)
            if not one or len(series) < 2:
                if not one:
                    no_one.append(label + (f" ({where})" if where else ""))
                continue
            phrases = []
            for t in sorted(series):
                eff = series[t] / (one * t)
                table.append([label, where or "—", str(t), m["fmt"](series[t]), m["fmt"](one * t), f"{eff:.0%}"])
                if t == 1:
                    continue
                mark = "*" if cpus and t > cpus else ""
                beyond |= bool(mark)
                sp = series[t] / one
                phrases.append(f"{fmt_ratio(sp)} at {t}{mark} ({eff:.0%} of linear)" if phrases else
                               f"{fmt_ratio(sp)} its 1-thread {m['name']} at {_threads(t)}{mark} ({eff:.0%} of linear)")
            texts.append(f"{label}{' (' + where + ')' if where else ''}: " + ", ".join(phrases))
    if not texts:
        if no_one:
            raise _Unanswered("scaling is read against a 1-thread cell, and none was measured for " + _listed(no_one))
        _unusable(out, _subject(q))
    note = f"; * beyond this machine's {cpus} logical CPUs: oversubscribed, linear is not expected" if beyond else ""
    text = f"scaling of {m['name']} in {_subject(q)}: " + "; ".join(texts) + note + _guess(q) + \
        _left_out(out + [("no 1-thread cell to scale from", x) for x in no_one], missing) + "."
    return text, table, _chart(sub, q, m, "threads", what=f"{m['name']} over threads against ideal scaling")


def _metric(doc, q, m, min_effect, dq_all):
    sub, cs, wanted, missing, dq = _setup(doc, q, dq_all)
    good, out = _usable(cs, m, dq)
    if not good:
        _unusable(out, _subject(q))
    per = {}
    table = [["cell", "primitive", m["name"]]]
    for (pk, t), cell in sorted(good.items(), key=lambda kv: (pk_order(kv[0][0]), kv[0][1])):
        for label, (v, _) in sorted(cell.items()):
            per.setdefault(label, []).append((v, cs.at(pk, t)))
            table.append([cs.at(pk, t), label, m["fmt"](v)])
    parts = []
    for label in sorted(per, key=lambda lab: (min(v for v, _ in per[lab]) if not m["higher"]
                                            else -max(v for v, _ in per[lab]), lab)):
        vals = per[label]
        if len(vals) == 1:
            parts.append(f"{label} {m['fmt'](vals[0][0])} at {vals[0][1]}")
            continue
        lo, hi = min(vals, key=lambda x: x[0]), max(vals, key=lambda x: x[0])
        parts.append(f"{label} {m['fmt'](lo[0])} in all {len(vals)} cells" if m["fmt"](lo[0]) == m["fmt"](hi[0]) else
                     f"{label} from {m['fmt'](lo[0])} ({lo[1]}) to {m['fmt'](hi[0])} ({hi[1]})")
    text = f"{m['name']} in {_subject(q)}: " + "; ".join(parts) + _guess(q, unit="") + _left_out(out, missing) + "."
    return text, table, _chart(sub, q, m, _x_for(cs, q["along"]))


def _correctness(doc, q, m, min_effect, dq_all):
    sub, cs, wanted, missing, dq = _setup(doc, q, dq_all)
    table = [["primitive", "cell", "repetitions", "oracle", "flags"]]
    per = {}
    for pk, t, label, s in cs.rows:
        failed = s["verify_failed"]
        reps = s.get("repetitions") or 0
        oracle = (f"FAILED in {failed} of {reps}: {one_line(s['verify_detail'], 200)}" if failed else "passed")
        if s.get("tsan_detail"):
            oracle += f"; lfbench verify (ThreadSanitizer) failed: {one_line(s['tsan_detail'], 200)}"
        table.append([label, cs.at(pk, t), str(reps), oracle, ", ".join(s["flags"]) or "—"])
        per.setdefault(s["base"], []).append((pk, t, s))
    parts = []
    for base in sorted(per):
        rows = per[base]
        caught = [r for r in rows if r[2]["verify_failed"] or r[2].get("tsan_detail")]
        broken = any(r[2]["known_broken"] for r in rows)
        first = next((r[2]["verify_detail"] or r[2].get("tsan_detail") for r in caught), "")
        detail = f" (first: {one_line(first, 160)})" if first else ""
        n = len(rows)
        if broken and len(caught) == n:
            parts.append(f"{base}, known broken, was caught by its oracle in {'the' if n == 1 else 'all ' + str(n)} "
                         f"cell{'s' if n > 1 else ''}{detail}")
        elif broken:
            missed = [cs.at(pk, t) for pk, t, s in rows if not (s["verify_failed"] or s.get("tsan_detail"))]
            parts.append(f"{base}, known broken, was caught in {len(caught)} of {n} cells and MISSED at {_listed(missed)}{detail}")
        elif caught:
            parts.append(f"{base} FAILED verification in {len(caught)} of {n} cell{'s' if n > 1 else ''}{detail}")
        else:
            parts.append(f"{base} passed its oracle in {'the' if n == 1 else 'all ' + str(n)} cell{'s' if n > 1 else ''}")
    text = f"verification in {_subject(q)}: " + "; ".join(parts) + _left_out([], missing) + "."
    return text, table, None


KIND_ANSWER = {"ratio": _ratio, "best": _best, "crossover": _crossover, "scaling": _scaling, "metric": _metric,
               "correctness": _correctness}
