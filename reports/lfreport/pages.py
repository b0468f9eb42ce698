"""The report as blocks (headings, paragraphs, lists, tables), rendered as HTML and Markdown."""
import base64
import html
import math
import re
from urllib.parse import quote

from .cases import answers, suite_of
from .load import file_label, one_line, params_key, params_label
from .stats import ALPHA, MIN_EFFECT, fmt_num, fmt_ops, fmt_ratio, small_n_note

CAPTION = "lfbench report"


# --------------------------------------------------------------------------- documents

def round_trip_for(calibration, span):
    """The round trip (ns) a cell's figures are read against: the distance class its threads
    spanned (calibration.c2c_by_distance), else the one core-to-core pair older files measured.
    None for one thread (nothing crossed) or without a calibration. Returns (ns, class)."""
    cal = calibration or {}
    if span == "same_cpu":
        return None, None
    by = cal.get("c2c_by_distance") or {}
    if span in by and isinstance(by[span], dict) and by[span].get("ns"):
        return by[span]["ns"], span
    return cal.get("c2c_round_trip_ns") or None, None


def matrix_table(mat, calibration=None):
    """The matrix as rows of strings (header first), shared by HTML and Markdown. The winner's
    cost is per operation per thread, also in round trips of the distance class its threads
    spanned (SMT siblings, one L3, two L3 domains, two packages: the contended floor)."""
    head = ["scenario", "params", "threads", "winner", "runner-up", "margin", "p", "verdict",
            "winner ns/op/thread" + (" (× round trip)" if calibration else "")]
    # Allocations per operation (per message: queue, broker) where any cell counted them.
    allocs = any(r.get("allocs_per_op") for r in mat["rows"])
    if allocs:
        head.append("allocs/op (winner · runner-up)")
    rows = [head]
    for r in mat["rows"]:
        cost = r["threads"] * 1e9 / r["winner_ops_per_sec"] if r["winner_ops_per_sec"] > 0 else math.inf
        rt, cls = round_trip_for(calibration, r.get("winner_span")) if r["threads"] > 1 else (None, None)
        cost_text = f"{cost:.3g}" + (f" ({cost / rt:.2g}× {cls.replace('_', ' ') if cls else 'c2c'})" if rt else "")
        marks = r.get("marks") or [m for m in ("noisy", "disturbed", "oversubscribed") if r.get(m)]
        verdict = " · ".join([r["verdict"] + (" (< min effect)" if r.get("below_min_effect") else "")] + marks)
        rows.append([r["scenario"], params_label(params_key(r["params"])), str(r["threads"]),
                     f"{r['winner']} ({fmt_ops(r['winner_ops_per_sec'])})", r["runner_up"] or "—",
                     fmt_ratio(r["margin"]), "—" if r["p_value"] is None else f"{r['p_value']:.3f}", verdict, cost_text])
        if allocs:
            a = r.get("allocs_per_op") or {}
            rows[-1].append(" · ".join(fmt_num(a[p]) if p in a else "—" for p in (r["winner"], r["runner_up"]) if p)
                            if a else "—")
    return rows



def diff_table(comparison):
    """compare's cells as rows of strings (header first), in compare's order, with its words."""
    unit = "new/base time per op" if not (comparison.get("options") or {}).get("relative_to") else "new/base ratio"
    head = ["verdict", "cell", unit, "interval", "smallest detectable slowdown", "note"]

    def interval(c):
        lo, hi = c.get("ci_low"), c.get("ci_high")
        return "—" if lo is None or hi is None else f"{fmt_ratio(lo)} – {fmt_ratio(hi)}"

    def mde(c):  # compare's minimum detectable effect (absent from older compare output)
        m = c.get("mde")
        return "—" if m is None else f"{m * 100:+.1f}%"
    return [head] + [[c["verdict"], c["id"], fmt_ratio(c.get("ratio")), interval(c), mde(c), c.get("note") or ""]
                     for c in comparison["cells"]]


def diff_blocks(docs, comparison):
    """The --diff section: compare's headline, exit code and cells, judged by lfbench compare."""
    o = comparison.get("options") or {}
    exit_code = comparison.get("exit_code")
    # compare's exit codes (lfbench compare --help), named for a reader of the page
    # compare --aa leaves threshold_pct null: each cell has its own then
    threshold = (f"{o['threshold_pct']:g}%" if o.get("threshold_pct") is not None
                 else "each cell's own threshold" if "aa" in o and o["aa"] else "10%")
    meaning = {0: "pass", 1: "fail: a regression, a failed or a missing cell",
               4: "not a pass: cells left unjudged, or an interrupted run"}.get(exit_code, "")
    return [("h2", f"Diff: {file_label(docs[1])} vs {file_label(docs[0])}"),
            ("p", f"Verdicts of lfbench compare (the CI gate's, not the report's own): {comparison['headline']}. "
                  f"lfbench compare exits {exit_code}" + (f" ({meaning})" if meaning else "") + "."),
            ("p", f"Per cell: the ratio of new to base time per operation (above 1 is slower) and its "
                  f"{o.get('ci_level_pct', 90):g}% interval; a change counts beyond {threshold} "
                  f"when significant at {o.get('alpha', 0.05):g} after {o.get('correction', 'bh')} correction "
                  f"across cells. Same command: lfbench compare BASE NEW."),
            ("table", diff_table(comparison))]


def verification_note(doc):
    """What "verified" means in this file: the oracle's verdict, and the memory order it held for
    (context.lfbench_memory_model, else the cells' verification.memory_model; older files: unknown)."""
    models = {(b.get("lfbench") or {}).get("verification", {}).get("memory_model") for b in doc.get("benchmarks", [])}
    models.discard(None)
    model = doc.get("context", {}).get("lfbench_memory_model") or (", ".join(sorted(models)) if models else None)
    if model is None:
        return ("Verified: by each scenario's oracle in every window, under a memory order the file does not "
                "name (an older results file).")
    text = f"Verified: by each scenario's oracle in every window, under {model} only."
    tsan = {}  # primitive -> its lfbench verify status (run --verified-by)
    for b in doc.get("benchmarks", []):
        lf = b.get("lfbench") or {}
        st = (lf.get("verification", {}).get("tsan") or {}).get("status")
        if st and lf.get("primitive"):
            tsan[lf["primitive"]] = st
    if model.startswith("x86"):
        text += (" x86's total store order hides missing acquire/release: a primitive verified here can still "
                 "lose updates or publish unready data on a weakly ordered CPU (ARM, POWER).")
    groups = [("passed", "Also checked for happens-before under ThreadSanitizer (lfbench verify): "),
              ("failed", "Failed lfbench verify, so never ranked: "),
              ("not_checkable", "Not checkable by ThreadSanitizer (standalone fences or uninstrumented code): "),
              ("incomplete", "lfbench verify interrupted before it finished: ")]
    for status, lead in groups:
        names = sorted(p for p, st in tsan.items() if st == status)
        if names:
            text += " " + lead + ", ".join(names) + "."
    if not tsan:
        text += " No primitive here was checked by lfbench verify (run --verified-by VERIFY.json says which were)."
    elif model.startswith("x86"):
        rest = sorted({(b.get("lfbench") or {}).get("primitive") for b in doc.get("benchmarks", [])} - set(tsan) - {None})
        if rest:
            text += " Verified only under x86 order: " + ", ".join(rest) + "."
    return text


def case_blocks(doc, answered, images=None, suffix=""):
    """The case-study section of a file run with --suite: the case's title (the suite's purpose),
    then each question in order: the question, its measured answer in one sentence (or why it
    cannot be answered here), the table that shows it and its chart. images: {question id:
    [(stem, png)]} (charts.case_figures, drawn by main)."""
    s = suite_of(doc)
    if s is None:
        return []
    case = one_line(s.get("case") or "", 16) if isinstance(s.get("case"), str) else ""
    name = one_line(s.get("name") or "", 64) if isinstance(s.get("name"), str) else ""
    purpose = one_line(s.get("purpose") or "", 200) if isinstance(s.get("purpose"), str) else ""
    title = (f"Case {case}: " if case else "Suite: ") + (purpose or name or "questions") + suffix
    blocks = [("h2", title)]
    n_ok = sum(a["answered"] for a in answered)
    intro = (f"lfbench run --suite {name}: " if name else "") + \
        f"{len(answered)} question{'s' if len(answered) != 1 else ''}, {n_ok} answered from this file's measurements"
    if n_ok < len(answered):
        intro += f", {len(answered) - n_ok} not (each says why)"
    blocks.append(("p", intro + "."))
    desc = s.get("description")
    if isinstance(desc, str) and desc.strip():
        blocks.append(("p", one_line(desc, 4000)))
    for i, a in enumerate(answered, 1):
        blocks.append(("h3", f"{i}. {a['text']}"))
        blocks.append(("p", a["answer"]))
        if a.get("note"):
            blocks.append(("p", a["note"]))
        if a.get("table") and len(a["table"]) > 1:
            blocks.append(("table", a["table"]))
        for stem, png in (images or {}).get(a["id"], []):
            blocks.append(("img", (stem, png)))
    return blocks


def crossover_blocks(crossovers):
    """(blocks where the crossovers are listed, blocks for the end of the file's section): the
    significant ones as a list; the rest (ties of a test, as with three repetitions) as a count
    there and listed collapsed at the end, so they never push the page's top down."""
    sure = [c["text"] for c in crossovers if c.get("significant")]
    unsure = [c["text"] for c in crossovers if not c.get("significant")]
    top = [("h3", "Crossovers")]
    if sure:
        top.append(("ul", sure))
    if unsure:
        n = len(unsure)
        top.append(("p", f"{'No significant crossover; ' if not sure else ''}{n} crossover{'s' if n > 1 else ''} "
                         f"{'are' if n > 1 else 'is'} not significant (a change of leader the test cannot tell from noise): "
                         "listed at the end of this section."))
    if not crossovers:
        top.append(("ul", ["none: the leader is the same in every cell"]))
    end = [("details", (f"Crossovers that are not significant ({len(unsure)})", unsure))] if unsure else []
    return top, end


def _sections(docs, paths, recs, comparison=None, case_images=None):
    """The report as a list of (kind, payload) blocks, rendered by to_html and to_markdown;
    comparison: lfbench compare's JSON for --diff; case_images: {(file index, question id):
    [(stem, png)]}, the case questions' charts."""
    blocks = [("h1", CAPTION), ("p", "Inputs: " + "; ".join(f"{p} ({file_label(d)})" for d, p in zip(docs, paths)))]
    if comparison is not None:
        blocks += diff_blocks(docs, comparison)
    for k, (rec, doc) in enumerate(zip(recs, docs)):
        if suite_of(doc) is not None:
            images = {qid: imgs for (i, qid), imgs in (case_images or {}).items() if i == k}
            blocks += case_blocks(doc, answers(doc, rec.get("min_effect", MIN_EFFECT)), images,
                                  f" — {file_label(doc)}" if len(docs) > 1 else "")
    note = small_n_note(recs)
    for rec, doc in zip(recs, docs):
        suffix = f" — {file_label(doc)}" if len(docs) > 1 else ""
        blocks.append(("h2", "Recommendation matrix" + suffix))
        me = rec.get("min_effect", MIN_EFFECT)
        blocks.append(("p", f"Per workload cell: the fastest primitive by median throughput, the runner-up, the "
                            f"margin (ratio of medians) and a two-sided Mann-Whitney U test over repetitions. "
                            f"Significant only if p < {ALPHA} and the margin is at least {fmt_ratio(me)} (the "
                            f"minimum effect: contended results on a shared machine vary 5–20% from run to run, so a "
                            f"smaller lead is a tie however small p is; --min-effect changes it). Marks: noisy "
                            f"(spread too wide), disturbed (other processes had the CPUs), hung, crashed, incomplete, "
                            f"oversubscribed (more threads than logical CPUs)."))
        if note:
            blocks.append(("p", note))
        blocks.append(("p", verification_note(doc)))
        blocks.append(("h3", "Summary"))
        blocks.append(("ul", [s["text"] for s in rec["summary"]] + [m["text"] for m in rec.get("modes", [])]
                       or ["(no cell with two or more primitives)"]))
        top, end = crossover_blocks(rec["crossovers"])
        blocks += top
        if rec.get("disqualified"):
            blocks.append(("h3", "Disqualified (failed verification somewhere in the scenario: ranked nowhere in it)"))
            blocks.append(("ul", [f"{d['scenario']}/{d['primitive']}: {d['detail']}" for d in rec["disqualified"]]))
        if rec["excluded"]:
            blocks.append(("h3", "Excluded (verification failed, known broken, or underpaced)"))
            blocks.append(("ul", [f"{e['scenario']}/{e['primitive']} {params_label(params_key(e['params']))}, "
                                  f"{e['threads']} threads: {e['detail']}" for e in rec["excluded"]]))
        blocks.append(("h3", "All cells"))
        blocks.append(("table", matrix_table({"rows": rec["cells"]}, doc["context"].get("lfbench_calibration"))))
        blocks += end
    return blocks


def to_html(blocks, charts, envs):
    """One self-contained page. charts: [(scenario, [(stem, png bytes)])]; envs: [(label, items)]."""
    e = html.escape
    out = ["<!doctype html><html lang='en'><head><meta charset='utf-8'><title>lfbench report</title><style>",
           "body{font-family:system-ui,sans-serif;margin:1em 2em;color:#222}"
           "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
           "th{background:#f0f0f0}img{width:100%;max-width:1300px;border:1px solid #eee;margin:.5em 0}"
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
        elif kind == "img":
            stem, png = payload
            out.append(f"<p><img alt='{e(stem)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'></p>")
        elif kind == "details":  # collapsed until opened
            summary, items = payload
            out.append(f"<details><summary>{e(summary)}</summary><ul>" + "".join(f"<li>{e(x)}</li>" for x in items)
                       + "</ul></details>")
    for scenario, imgs in charts:
        out.append(f"<h2>Scenario: {e(scenario)}</h2>")
        for stem, png in imgs:
            out.append(f"<p><img alt='{e(stem)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'></p>")
    out.append("<h2>Environment and calibration</h2>")
    for label, items in envs:
        out.append(f"<h3>{e(label)}</h3><table>" + "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in items) + "</table>")
    out.append("</body></html>\n")
    return "\n".join(out)


# Markdown's active characters, each backslash-escaped to render as itself: | also inside a
# table cell (GFM), ~ GFM's strikethrough. _ only where it could open or close emphasis: between
# two letters or digits it cannot (CommonMark), and read_pct or atomic_relaxed stay readable.
_MD_SPECIAL = re.compile(r"[\\`*\[\]#|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# What opens a block at the start of a line (a paragraph's, or a list item's after "- "): a
# bullet (- or + and a space), a thematic break (---), a setext underline (==), 1. or 1) and a space.
_MD_BLOCK_START = re.compile(r"^(?:[-+=](?=[-+=\s]|$)|\d{1,9}[.)](?=\s|$))")


def md_escape(text):
    """text as Markdown that renders as itself, on one line, at any place in a line: a heading, a
    list item or a table cell (where a newline or a | would end the row). The results file's text
    goes in here (a host name, a command line, a parameter value) mixed with the report's own.
    < > & become entities, so no raw HTML (a host's <script>) reaches report.md, as html.escape
    keeps it out of index.html."""
    text = one_line(text, None).strip()  # leading spaces would make an indented code block
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    return _MD_BLOCK_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text)


def to_markdown(blocks, charts, envs):
    """The page as Markdown; every text through md_escape. A chart's link is its file name,
    percent-encoded (a parameter's name is part of it)."""
    m = md_escape
    out = []
    for kind, payload in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append(f"{'#' * int(kind[1])} {m(payload)}\n")
        elif kind == "p":
            out.append(f"{m(payload)}\n")
        elif kind == "ul":
            out.append("\n".join(f"- {m(x)}" for x in payload) + "\n")
        elif kind == "table":
            out.append("| " + " | ".join(map(m, payload[0])) + " |")
            out.append("|" + "---|" * len(payload[0]))
            out += ["| " + " | ".join(map(m, r)) + " |" for r in payload[1:]]
            out.append("")
        elif kind == "img":
            out.append(f"![{m(payload[0])}]({quote(payload[0])}.png)\n")
        elif kind == "details":  # no raw HTML in report.md: a heading of its own, at the section's end
            summary, items = payload
            out.append(f"#### {m(summary)}\n")
            out.append("\n".join(f"- {m(x)}" for x in items) + "\n")
    for scenario, imgs in charts:
        out.append(f"## Scenario: {m(scenario)}\n")
        out += [f"![{m(stem)}]({quote(stem)}.png)\n" for stem, _ in imgs]
    out.append("## Environment and calibration\n")
    for label, items in envs:
        out.append(f"### {m(label)}\n\n| | |\n|---|---|")
        out += [f"| {m(k)} | {m(v)} |" for k, v in items]
        out.append("")
    return "\n".join(out) + "\n"
