#!/usr/bin/env bash
# ci/stages.sh, the stage table and time budget of ci/test: past the budget the run stops with
# one line; within it, every stage runs and the table lists them; a failed stage fails the run
# without stopping the stages after it.
set -u
cd "$(dirname "$0")/../.."
fails=0
expect() {  # expect DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

out=$(CI_BUDGET_MIN=0 bash -c '. ci/stages.sh; stage "slow one" sleep 1.1; echo "ran past the budget"' 2>&1); rc=$?
expect "over budget: exit 1" test "$rc" -eq 1
expect "over budget: one line naming the stage and the budget" \
  grep -q "^ci/test: over budget: .* after stage 'slow one', budget 0 min (CI_BUDGET_MIN); stopping$" <<<"$out"
expect "over budget: nothing runs after" test "$(grep -c 'ran past the budget' <<<"$out")" -eq 0

out=$(bash -c '. ci/stages.sh; stage first true; stage second false; stage third true; stage_table; exit $stages_status' 2>&1); rc=$?
expect "within budget: a failed stage fails the run" test "$rc" -eq 1
expect "within budget: every stage ran and is in the table" \
  test "$(grep -cE '^(first|second|third) +[0-9]+ s  ' <<<"$out")" -eq 3
expect "within budget: the failure is named" grep -qE '^second +[0-9]+ s  FAILED \(exit 1\)$' <<<"$out"
expect "within budget: no budget line" test "$(grep -c 'over budget' <<<"$out")" -eq 0

out=$(CI_WARN_MIN=0 bash -c '. ci/stages.sh; stage one sleep 1.1; stage_table' 2>&1); rc=$?
expect "past the warning: still passes" test "$rc" -eq 0
expect "past the warning: one warning line" test "$(grep -c '^ci/test: warning: took 0 min, over 0 minutes' <<<"$out")" -eq 1

[ "$fails" -eq 0 ]
