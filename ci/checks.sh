# Sourced by ci/examples and ci/test: named checks, written as JUnit test cases that
# ci/summarize.py counts with the other test results.
#   check NAME COMMAND...     one test case, passed when COMMAND succeeds (its output kept when not)
#   checks_report XML SUITE   writes the cases to XML, prints "SUITE: N passed, N failed";
#                             fails when one did
cases=()  # "name|ok|detail"
check() {
  local name=$1
  shift
  local out
  if out=$("$@" 2>&1); then
    cases+=("$name|1|")
    echo "ok   $name"
  else
    cases+=("$name|0|$(printf '%s' "$out" | tail -c 2000)")
    echo "FAIL $name"
    printf '%s\n' "$out" | tail -20 | sed 's/^/     /'
  fi
}

checks_report() {
  local junit=$1 suite=$2
  mkdir -p "$(dirname "$junit")"
  /usr/bin/python3 - "$junit" "$suite" "${cases[@]}" <<'PY'
import sys
from xml.sax.saxutils import escape, quoteattr
out, suite, cases = sys.argv[1], sys.argv[2], sys.argv[3:]
failed = sum(1 for c in cases if c.split("|", 2)[1] != "1")
with open(out, "w") as f:
    f.write(f'<?xml version="1.0" encoding="utf-8"?>\n<testsuites><testsuite name={quoteattr(suite)} tests="{len(cases)}" failures="{failed}">\n')
    for c in cases:
        name, ok, detail = c.split("|", 2)
        f.write(f'<testcase classname={quoteattr(suite)} name={quoteattr(name)}>')
        if ok != "1":
            f.write(f'<failure message="failed">{escape(detail)}</failure>')
        f.write("</testcase>\n")
    f.write("</testsuite></testsuites>\n")
print(f"{suite}: {len(cases) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
}
