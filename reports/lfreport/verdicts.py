"""report --diff: the verdicts of `lfbench compare BASE NEW` (the CI gate), rendered as they are.
The report judges no change itself, so that the report and the gate give one answer per cell."""
import json
import os
import shutil
import subprocess

from .load import BadInput, one_line

# compare's exit codes that come with a verdict (0 no regression, 1 regression or failure, 4
# inconclusive beyond --max-inconclusive); 2 is bad input, anything else a failure to run.
VERDICT_EXITS = (0, 1, 4)


def find_lfbench(given=None):
    """The lfbench that judges: --lfbench (lfbench report passes itself), else $LFBENCH_BIN,
    else lfbench on PATH; BadInput when there is none."""
    exe = given or os.environ.get("LFBENCH_BIN") or shutil.which("lfbench")
    if not exe:
        raise BadInput("--diff: lfbench not found to run `lfbench compare` (run `lfbench report --diff`, "
                       "or pass --lfbench PATH or set LFBENCH_BIN)")
    return exe


def compare_verdicts(lfbench, base, new, threshold=None):
    """compare's JSON document for base vs new (cli/compare.cpp render_json: headline, exit_code,
    options, counts, cells [{id, verdict, ratio, ci_low, ci_high, note, ...}]); BadInput with
    compare's own message when it refuses the input."""
    argv = [lfbench, "compare", str(base), str(new), "--format", "json"]
    if threshold is not None:
        argv += ["--threshold", str(threshold)]
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    except OSError as e:
        raise BadInput(f"--diff: cannot run {lfbench} compare: {e.strerror}") from None
    if p.returncode not in VERDICT_EXITS:
        why = (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1]
        raise BadInput(f"--diff: lfbench compare: {why}")
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError:
        raise BadInput(f"--diff: {lfbench} compare --format json wrote no JSON: {one_line(p.stdout, 200)}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list) or "headline" not in doc:
        raise BadInput(f"--diff: {lfbench} compare --format json wrote no comparison (no cells and headline)")
    return doc
