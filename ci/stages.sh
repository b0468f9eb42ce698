# Sourced by ci/test: stages with their wall times, and the time budget.
#   stage NAME COMMAND...   run one stage; its failure fails the run, not the stages after it
#   stage_table             the stages' wall times and results, and the total
# The budget guards CI's 90-minute landing limit (it is not a speed test of lfbench): past
# CI_BUDGET_MIN minutes (default 60) the run stops after the stage that crossed it, with one
# line saying so; past CI_WARN_MIN (default 25) it warns at the end.
stages_start=$(date +%s)
stages_status=0
stages_rows=()

stage_table() {
  local row name secs result total=$(( $(date +%s) - stages_start ))
  printf '%-44s %7s  %s\n' "stage" "wall" "result"
  for row in "${stages_rows[@]}"; do
    IFS='|' read -r name secs result <<<"$row"
    printf '%-44s %5d s  %s\n' "$name" "$secs" "$result"
  done
  printf '%-44s %5d s  (%d min %02d s)\n' "total" "$total" $(( total / 60 )) $(( total % 60 ))
  if [ "$total" -gt $(( ${CI_WARN_MIN:-25} * 60 )) ] && [ "$total" -le $(( ${CI_BUDGET_MIN:-60} * 60 )) ]; then
    echo "ci/test: warning: took $(( total / 60 )) min, over ${CI_WARN_MIN:-25} minutes (the budget is ${CI_BUDGET_MIN:-60}; CI lands nothing past 90)"
  fi
}

stage() {
  local name=$1 t0 rc=0 elapsed
  shift
  echo "== $name"
  t0=$(date +%s)
  "$@" || rc=$?
  if [ "$rc" -eq 0 ]; then stages_rows+=("$name|$(( $(date +%s) - t0 ))|ok")
  else stages_rows+=("$name|$(( $(date +%s) - t0 ))|FAILED (exit $rc)"); stages_status=1; fi
  elapsed=$(( $(date +%s) - stages_start ))
  if [ "$elapsed" -gt $(( ${CI_BUDGET_MIN:-60} * 60 )) ]; then
    stage_table
    echo "ci/test: over budget: $elapsed s elapsed after stage '$name', budget ${CI_BUDGET_MIN:-60} min (CI_BUDGET_MIN); stopping"
    exit 1
  fi
  return 0
}
