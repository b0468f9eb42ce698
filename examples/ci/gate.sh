#!/usr/bin/env bash
# gate.sh BASE_DIR HEAD_DIR OUT_DIR [lfbench run arguments...]
#
# A CI gate for your own primitive: builds it in two checkouts (the base commit and the head
# commit), measures both in ONE lfbench A/B run — each build gets its own worker and their
# windows of a cell alternate pair by pair, so both sides of a pair see the same machine — and
# judges head against base from the pairs. Between separate runs a shared runner moves more
# than the changes worth catching; within one run the pairs cancel it.
#
# Exit code = lfbench compare's: 0 no regression and every cell judged; 1 a regression, a
# verification failure or a cell missing from head; 4 no regression but more cells it could
# not judge than --max-inconclusive allows; 2 bad input (a build that is not lfbench, another
# protocol version, a primitive one build lacks).
#
# Environment:
#   GATE_BUILD    command run in each checkout to build it (default: ./build.sh)
#   GATE_BINARY   the lfbench binary it makes, relative to the checkout (default: ticket-lfbench)
#   GATE_COMPARE  extra `lfbench compare` options, e.g. "--threshold 5 --max-inconclusive 10"
# Writes OUT_DIR/ab.json (both builds' results), compare.txt, comment.md (a pull-request
# comment: a headline, then only the cells that changed or could not be judged), junit.xml.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: gate.sh BASE_DIR HEAD_DIR OUT_DIR [lfbench run arguments...]" >&2
  exit 2
fi
base=$(cd "$1" && pwd)
head=$(cd "$2" && pwd)
out=$3
shift 3
build=${GATE_BUILD:-./build.sh}
binary=${GATE_BINARY:-ticket-lfbench}
read -r -a compare_opts <<<"${GATE_COMPARE:-}"
mkdir -p "$out"

for dir in "$base" "$head"; do
  (cd "$dir" && eval "$build")
done
base_bin=$base/$binary
head_bin=$head/$binary

# The head build supervises (it has every primitive the run names); `run` exits 1 when a
# verification failed in either build: compare reports those cells, so the gate goes on.
rc=0
"$head_bin" run "$@" --ab "base=$base_bin" --ab "head=$head_bin" -o "$out/ab.json" --force --quiet || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then exit "$rc"; fi

rc=0
"$head_bin" compare "$out/ab.json" "${compare_opts[@]}" >"$out/compare.txt" || rc=$?
cat "$out/compare.txt"
"$head_bin" compare "$out/ab.json" "${compare_opts[@]}" --format md >"$out/comment.md" || true
"$head_bin" compare "$out/ab.json" "${compare_opts[@]}" --format junit >"$out/junit.xml" || true
exit "$rc"
