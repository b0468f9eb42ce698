"""lfbench report, as a package: load (contract, normalising) -> stats (matrix) -> cases (a suite's
questions answered) -> charts -> pages (HTML/Markdown) -> main (arguments, atomic output);
verdicts (--diff) asks lfbench compare; history (--history) reads a history database and asks
lfbench history check.
Everything from a results dict to a matrix, a summary or a figure is a pure function; only main
touches the file system (and verdicts runs lfbench compare)."""
from . import cases, charts, history, load, main, pages, stats, verdicts

# One flat namespace (helpers included) for tests and interactive use: `import lfbench_report as rep`.
for _m in (load, stats, cases, charts, pages, verdicts, history, main):
    globals().update({k: v for k, v in vars(_m).items() if not k.startswith("__")})
del _m
__all__ = [k for k in globals() if not k.startswith("__") and k not in ("cases", "charts", "history", "load", "main", "pages", "stats", "verdicts")]
