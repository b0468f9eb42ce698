#!/usr/bin/env python3
"""lfbench report: charts and the recommendation matrix from lfbench results files.

    lfbench_report.py RESULTS.json [MORE.json ...] -o DIR [--force]

Writes DIR/index.html (self-contained), DIR/report.md with the charts beside it (PNG and SVG),
and DIR/recommendations.json. Usually run through `lfbench report`, which picks a Python that
has matplotlib. A file of `lfbench run --suite` opens with its case study: each of the suite's
questions (context.lfbench_suite) answered in one sentence with its table and chart, or why it
cannot be answered here. One line per case section and scenario on stderr says what it draws.

Everything from a results dict to a matrix, a summary or a figure is a pure function; only
main() touches the file system. Generic over scenarios: a workload cell is scenario + params +
threads; a "ratio or size parameter" is any numeric parameter with more than one value in a
file. Per-repetition entries (run_type "iteration") are the samples; significance is a
two-sided Mann-Whitney U test over them. Exit codes: 0 ok, 2 bad input (one line on stderr).
"""
import sys
from pathlib import Path

# The package lfreport sits beside this script, in the source tree and when installed.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lfreport import *  # noqa: E402,F401,F403  the whole API (helpers too), for tests
from lfreport.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
