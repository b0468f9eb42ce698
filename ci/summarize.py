"""Prints the test totals of JUnit XML files (meson's, with GoogleTest cases inside, and
pytest's) as one line: "N passed, N failed[, N skipped]". Exit 1 if any failed or a file is
missing."""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

passed = failed = skipped = 0
missing = []
for f in sys.argv[1:]:
    if not Path(f).exists():
        missing.append(f)
        continue
    for case in ET.parse(f).getroot().iter("testcase"):
        # meson lists a GoogleTest binary as a suite of its cases, plus sometimes one case
        # for the binary itself; count the binary's case only when it has no cases of its own.
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
for f in missing:
    print(f"summarize: no results in {f} (that test stage did not run)")
    failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
