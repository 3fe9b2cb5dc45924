#!/usr/bin/env bash
# `make test` runs its suites side by side and prints each one's output when it ends, so a failure can sit far above
# the last line. `suite.sh run NAME CMD...` keeps a copy of a suite's output in var/test-logs; `suite.sh report`
# repeats what failed at the very end; `suite.sh clear` forgets the previous run.
set -uo pipefail
logs="$(cd "$(dirname "$0")/.." && pwd)/var/test-logs"

plain() { sed 's/\x1b\[[0-9;]*m//g' "$1"; }

case "${1:-}" in
  clear)
    rm -rf "$logs"
    ;;
  run)
    name=$2
    shift 2
    mkdir -p "$logs"
    rm -f "$logs/$name.failed"
    "$@" 2>&1 | tee "$logs/$name.log"
    status=${PIPESTATUS[0]}
    [ "$status" -eq 0 ] || touch "$logs/$name.failed"
    exit "$status"
    ;;
  report)
    if ! compgen -G "$logs/*.failed" >/dev/null; then
      echo "No suite recorded a failure: a step outside the suites failed; see the output above."
    fi
    for marker in "$logs"/*.failed; do
      [ -e "$marker" ] || continue
      log="${marker%.failed}.log"
      echo
      echo "======== $(basename "${marker%.failed}") failed ========"
      echo "-- the first failure:"
      # pytest's first failure or error section, a pytest-timeout stack dump, Vitest's first FAIL, or Playwright's
      # first numbered failure.
      plain "$log" | awk '/^=+ (FAILURES|ERRORS) =+$|^\++ Timeout \++$|^ *FAIL |^  1\) / { found = 1 } found && shown++ < 40'
      echo "-- the end of its output:"
      plain "$log" | tail -n 15
      echo "-- every failed test:"
      plain "$log" | grep -E '^(FAILED|ERROR) |^ *(FAIL|×) |^ +[0-9]+\) \[|✘' | sort -u
    done
    ;;
  *)
    echo "usage: $0 clear | run NAME COMMAND... | report" >&2
    exit 2
    ;;
esac
