"""The entry point: arguments, the output directory (written in a temporary directory and swapped
into place), signals."""
import argparse
import io
import re
import json
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from .cases import answers, suite_of
from .charts import MAX_CHARTED_SCENARIOS, _plt, case_figures, colours, figures
from .history import history_check, history_sections, load_history
from .load import BadInput, cells, file_label, finite, load_results, one_line, environment
from .pages import _sections, to_html, to_markdown
from .stats import MIN_EFFECT, recommendations
from .verdicts import compare_verdicts, find_lfbench

# --------------------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(prog="lfbench report", description="charts and the recommendation matrix from lfbench results files")
    ap.add_argument("results", nargs="*", help="lfbench results files (several: side-by-side panels)")
    ap.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    ap.add_argument("--force", action="store_true", help="write into a non-empty DIR")
    ap.add_argument("--relative-to", metavar="ID", help="primitive the relative views divide by (default: the "
                    "baseline each scenario declares, recorded in the results file)")
    ap.add_argument("--min-effect", metavar="PCT", default=f"{(MIN_EFFECT - 1) * 100:g}",
                    help="smallest lead, in percent, the matrix calls significant (default %(default)s)")
    ap.add_argument("--diff", action="store_true", help="two files, base then new: lfbench compare's verdict, ratio, "
                    "interval and note per cell, and its headline")
    ap.add_argument("--threshold", metavar="PCT", help="with --diff: lfbench compare's --threshold (default: compare's)")
    ap.add_argument("--history", metavar="DB", help="an lfbench history database (lfbench history add): a trend "
                    "chart per cell and machine, change points marked (lfbench history check's)")
    ap.add_argument("--history-branch", metavar="NAME", help="with --history: only this branch's runs")
    ap.add_argument("--lfbench", metavar="PATH", help="with --diff or --history: the lfbench that runs compare or "
                    "history check (default: $LFBENCH_BIN, then lfbench on PATH; lfbench report passes itself)")
    return ap.parse_args(argv)


def check_args(args, docs):
    """The options against the inputs: BadInput naming the bad value and what is allowed."""
    try:
        pct = float(args.min_effect)
    except ValueError:
        pct = -1.0
    if not 0 <= pct <= 1000:
        raise BadInput(f"--min-effect {args.min_effect}: not a percentage; allowed: a number from 0 to 1000")
    args.min_effect = 1 + pct / 100
    if args.relative_to is not None:
        known = sorted({s["base"] for d in docs for prims in cells(d).values() for s in prims.values()})
        if args.relative_to not in known:
            raise BadInput(f"--relative-to {args.relative_to}: not a primitive of these files; allowed: "
                           + ", ".join(known))
    if args.diff and len(docs) != 2:
        raise BadInput(f"--diff takes two results files (base, new); got {len(docs)}")
    if args.threshold is not None and not args.diff:
        raise BadInput("--threshold is compare's, for --diff; allowed: only with --diff")
    if not docs and args.history is None:
        raise BadInput("no results file and no --history; allowed: results files, --history DB, or both")
    if args.history_branch is not None and args.history is None:
        raise BadInput("--history-branch is for --history; allowed: only with --history DB")


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


def png_bytes(fig):
    """The figure as a PNG of at most 256 colours: charts are flat colours and their anti-aliased
    edges, so this looks the same at about a third of the size (index.html embeds every chart)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    try:
        from PIL import Image  # matplotlib's own dependency
    except ImportError:
        return buf.getvalue()
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    small = io.BytesIO()
    img.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(small, format="PNG", optimize=True)
    return small.getvalue() if small.tell() < buf.tell() else buf.getvalue()


def file_stem(name, used):
    """A chart's file name from its stem, which carries the file's own scenario and parameter
    names: only [A-Za-z0-9._-], bounded (a '/' or a 300-character name cannot be written), unique."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:100].lstrip(".") or "chart"
    stem, k = safe, 2
    while stem in used:
        stem, k = f"{safe}-{k}", k + 1
    used.add(stem)
    return stem


def progress(text, stream=None):
    """One line on stderr about what the report is drawing, so a CI log is never silent for
    minutes: "report: drawing counter (6 charts)...". stream: for tests."""
    print(f"report: {text}", file=stream or sys.stderr, flush=True)


def _save(fig, stem, out, plt):
    png = png_bytes(fig)
    (out / f"{stem}.png").write_bytes(png)
    fig.savefig(out / f"{stem}.svg")
    plt.close(fig)
    return png


def case_charts(docs, out, used, plt, min_effect=MIN_EFFECT):
    """The case questions' charts, drawn and written: {(file index, question id): [(stem, png)]}."""
    images = {}
    for k, doc in enumerate(docs):
        s = suite_of(doc)
        if s is None:
            continue
        case = s.get("case") if isinstance(s.get("case"), str) and s.get("case") else s.get("name") or "suite"
        todo = [a for a in answers(doc, min_effect) if a["chart"] is not None]
        figs = []
        for a in todo:
            scenario = a["chart"]["scenario"]
            cmap = colours({p for (sc, _, _), prims in cells(doc).items() if sc == scenario for p in prims})
            figs += [(a["id"], j, f) for j, f in enumerate(case_figures(a["chart"], cmap))]
        n_q = len(s["questions"])
        progress(f"drawing case {one_line(case, 16)} ({n_q} question{'s' if n_q != 1 else ''}, "
                 f"{len(figs)} chart{'s' if len(figs) != 1 else ''})...")
        for qid, j, fig in figs:
            stem = file_stem(f"case-{case}-{qid}" + (f"-p{j + 1}" if j else ""), used)
            images.setdefault((k, qid), []).append((stem, _save(fig, stem, out, plt)))
    return images


def write_report(docs, paths, out, relative_to=None, min_effect=MIN_EFFECT, comparison=None, history=None):
    """Every file of the report, into out (an empty directory). comparison: lfbench compare's JSON
    of the two files (--diff); history: (the database's series, lfbench history check's JSON).
    Says on stderr what it draws (progress())."""
    plt = _plt()
    recs = recommendations(docs, paths, min_effect)
    scenarios = sorted({s for d in docs for (s, _, _) in cells(d)})
    charts = []
    used = set()
    case_images = case_charts(docs, out, used, plt, min_effect)

    def save(figs):
        return [(stem, _save(fig, stem, out, plt)) for stem, fig in ((file_stem(n, used), f) for n, f in figs.items())]

    for scenario in scenarios[:MAX_CHARTED_SCENARIOS]:
        figs = figures(docs, scenario, relative_to=relative_to)
        progress(f"drawing {one_line(scenario, 64)} ({len(figs)} chart{'s' if len(figs) != 1 else ''})...")
        charts.append((scenario, save(figs)))
    blocks = _sections(docs, paths, recs, comparison, case_images) if docs else [("h1", "lfbench report")]
    if len(scenarios) > MAX_CHARTED_SCENARIOS:
        blocks.append(("p", f"Charts are drawn for the first {MAX_CHARTED_SCENARIOS} of {len(scenarios)} scenarios; "
                            "the matrix above covers all of them."))
    envs = [(f"{p} ({file_label(d)})", environment(d)) for d, p in zip(docs, paths)]
    if history is not None:
        hblocks, hfigures, henvs = history_sections(history[0], history[1], plt)
        blocks += hblocks
        charts += [(f"{scenario} (history)", save(figs)) for scenario, figs in sorted(hfigures.items())]
        envs += henvs
    (out / "index.html").write_text(to_html(blocks, charts, envs))
    (out / "report.md").write_text(to_markdown(blocks, charts, envs))
    # Strict JSON: a figure that is not finite is written as null (see finite()).
    # The case questions' answers, every file's in one list (also under each file's "cases").
    cases = [{"file": str(p), **c} for p, r in zip(paths, recs) for c in r.get("cases", [])]
    extra = {**({"cases": cases} if cases else {}),
             **({"diff": comparison} if comparison is not None else {}),
             **({"history": history[1]} if history is not None else {})}
    (out / "recommendations.json").write_text(
        json.dumps(finite({"schema_version": 1, "files": recs, **extra}), indent=2, allow_nan=False) + "\n")
    return sum(len(i) for _, i in charts) + sum(len(i) for i in case_images.values())


def main(argv=None):
    # Everything is written into a temporary directory beside the target and moved into place at
    # the end: interrupted (SIGINT, SIGTERM, SIGHUP, or the parent's death via lfbench report's
    # PR_SET_PDEATHSIG), the report leaves nothing behind and a previous report untouched.
    # Unblocked too: a mask inherited from whatever started us (a harness that blocked them for
    # sigwait) would otherwise hold Ctrl-C until exit, and the report would finish instead.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
    args = parse_args(sys.argv[1:] if argv is None else argv)
    out = Path(args.output)
    tmp = None
    try:
        try:
            docs = [load_results(p) for p in args.results]
            # Headings and legends name each file (file_label); two files of one name show their folder.
            names = [Path(p).name for p in args.results]
            for d, p, n in zip(docs, args.results, names):
                d["_file"] = n if names.count(n) == 1 else str(p)
            check_args(args, docs)
            _check_target(out, args.force)
            # --diff: the gate's verdicts, judged by lfbench compare (a bad input of its own exits 2 here too)
            comparison = compare_verdicts(find_lfbench(args.lfbench), args.results[0], args.results[1],
                                          args.threshold) if args.diff else None
            # --history: the database's series (read here, read-only) and history check's verdicts
            # check first: lfbench's reader refuses a damaged database in one line before Python reads it
            if args.history is not None:
                verdicts = history_check(args.lfbench, args.history, args.history_branch)
                history = (load_history(args.history, args.history_branch), verdicts)
            else:
                history = None
        except BadInput as e:
            print(f"lfbench report: {one_line(e)}", file=sys.stderr)
            return 2
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.lfbench-tmp-", dir=out.absolute().parent))
        n = write_report(docs, args.results, tmp, args.relative_to, args.min_effect, comparison, history)
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
