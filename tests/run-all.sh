#!/usr/bin/env bash
# Runs every test patron has, in order of speed, and ends with one line:
# "total: N passed, N failed". Called by `./run test` after the builds.
#   unit + fuzz replay   (Criterion; plain build and ASan/UBSan build; the store
#                        and ledger tests also on a PostgreSQL cluster started here)
#   unit (tsan)          (ThreadSanitizer: tests/unit/tsan_threads.c and the fuzz
#                        replays; Criterion itself cannot run under TSan)
#   http                 (the real binary on loopback, built with ASan/UBSan, and
#                        the tests of threads and shutdown under TSan)
#   browser              (headless Chromium through playwright-core)
#   fuzz                 (libFuzzer, a short bounded run per target)
set -uo pipefail
cd "$(dirname "$0")/.."
out=tests/out
rm -rf "$out" && mkdir -p "$out"
passed=0
failed=0
failures=()
suite_started=$SECONDS

tally() { # NAME PASSED FAILED
  passed=$((passed + $2))
  failed=$((failed + $3))
  # Each suite's time, so that the 20-minute budget can be watched.
  printf '%-28s %4d passed, %d failed (%d s)\n' "$1" "$2" "$3" $((SECONDS - suite_started))
  suite_started=$SECONDS
  if [ "$3" -gt 0 ]; then failures+=("$1"); fi
}

meson_suite() { # NAME BUILD_DIR [meson test options...]
  local log="$out/$1.log"
  meson test -C "$2" --print-errorlogs --num-processes 2 "${@:3}" >"$log" 2>&1
  local ok bad
  # Each OK line counts its subtests ("25 subtests passed"), or 1 (POSIX awk).
  ok=$(awk '/^ *[0-9]+\/[0-9]+ .* OK / {
         n += ($(NF - 2) ~ /^[0-9]+$/ && $NF == "passed") ? $(NF - 2) : 1
       } END { print n + 0 }' "$log")
  bad=$(grep -cE '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT|ERROR) ' "$log")
  if ! grep -qE '^Fail: +0' "$log" || ! grep -qE '^Timeout: +0' "$log"; then
    [ "$bad" -gt 0 ] || bad=1
    grep -vE '^ *[0-9]+/[0-9]+ .* OK ' "$log" | tail -n 60
  fi
  tally "$1" "$ok" "$bad"
}

# Test files run two at a time (CONCURRENCY=2): each starts its own servers
# on free ports, and most of their time is spent waiting (on Chromium, on
# timers), so two overlap on two cores in little more than the time of one.
node_suite() { # NAME "FOLDER or FILES" [ENV=VALUE...]
  local name=$1 targets=() target; shift
  for target in $1; do
    if [ -d "$target" ]; then targets+=("$target/"); else targets+=("$target"); fi
  done
  shift
  local log="$out/$name.log"
  # Bounded: a server that crashed can leave a test file waiting for ever.
  env "$@" timeout --kill-after=10 "${PATRON_SUITE_SECONDS:-1500}" \
    node --test --test-reporter=tap --test-concurrency="${CONCURRENCY:-1}" "${targets[@]}" >"$log" 2>&1
  local rc=$? ok bad
  ok=$(awk '/^# pass /{ print $3 }' "$log" | tail -n 1)
  bad=$(awk '/^# fail /{ print $3 }' "$log" | tail -n 1)
  ok=${ok:-0}
  bad=${bad:-0}
  if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
  if [ "$bad" -gt 0 ] || [ "$ok" -eq 0 ]; then
    # The failed tests with their errors first: the tail alone may miss them.
    grep -E -A 30 '^ *not ok ' "$log" | head -n 150
    tail -n 40 "$log"
    [ "$bad" -gt 0 ] || bad=1
  fi
  tally "$name" "$ok" "$bad"
}

tsan_reports() { # NAME: one failure for every ThreadSanitizer report written since the last call
  local reports=("$out"/tsan.*)
  [ -e "${reports[0]}" ] || return 0
  local folder="$out/tsan-reports/${1//[^a-z]/-}"
  mkdir -p "$folder" && mv "${reports[@]}" "$folder"/
  cat "$folder"/* | head -n 80
  tally "$1: TSan reports" 0 "$(cat "$folder"/* | grep -c '^WARNING: ThreadSanitizer')"
}

fuzz_one() { # TARGET: a bounded libFuzzer run from the seed corpus; its status
  local target=$1 name=${1##*/fuzz_}
  local corpus="$out/corpus/$name"
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$name"/* "$corpus"/
  "$target" -max_total_time="${PATRON_FUZZ_SECONDS:-5}" -rss_limit_mb=2048 \
    -timeout=10 -artifact_prefix="$out/fuzz-$name-" "$corpus" >"$out/fuzz-$name.log" 2>&1
}

fuzz_suite() {
  [ -d build-fuzz/tests/fuzz ] || return 0
  local ok=0 bad=0 targets=() pids=() i
  for target in build-fuzz/tests/fuzz/fuzz_*; do
    [ -f "$target" ] && [ -x "$target" ] && targets+=("$target")
  done
  # Each target runs on one core: two at a time on the two-core machines
  # this runs on, in half the time.
  for ((i = 0; i < ${#targets[@]}; i += 2)); do
    pids=()
    fuzz_one "${targets[i]}" & pids+=($!)
    if [ $((i + 1)) -lt ${#targets[@]} ]; then fuzz_one "${targets[i + 1]}" & pids+=($!); fi
    local j=0
    for pid in "${pids[@]}"; do
      if wait "$pid"; then
        ok=$((ok + 1))
      else
        bad=$((bad + 1))
        tail -n 40 "$out/fuzz-${targets[i + j]##*/fuzz_}.log"
      fi
      j=$((j + 1))
    done
  done
  tally "fuzz (libFuzzer)" "$ok" "$bad"
}

bench_suite() {
  # The speed and size targets, measured against nginx in a short run: its
  # ratios are printed; it fails only if something could not run.
  if bench/appeal --quick >"$out/bench.log" 2>&1; then
    tally "bench (quick)" 1 0
  else
    tail -n 30 "$out/bench.log"
    tally "bench (quick)" 0 1
  fi
  grep -E '^(target|TARGET|median|all targets)' "$out/bench.log" || true
}

# One throwaway PostgreSQL cluster for the whole run (tests/postgresql/
# cluster.sh): the store's and the ledger's unit tests run a second time on
# it, each test in a database of its own. Stopped at the end whatever
# happens (and by its own watchdog if this script is killed). The tests that
# need PostgreSQL fail, rather than skip, when it could not start.
export PATRON_TEST_PG_REQUIRED=1
PATRON_TEST_PG_DIR=
stop_cluster() { [ -z "$PATRON_TEST_PG_DIR" ] || tests/postgresql/cluster.sh stop "$PATRON_TEST_PG_DIR"; }
trap stop_cluster EXIT
trap 'exit 130' INT TERM
if cluster=$(tests/postgresql/cluster.sh start 7200); then
  eval "$cluster"
else
  echo "PostgreSQL could not start: the tests that need it will fail" >&2
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Read by the build-tsan binaries only. Reports go to files, one per
# process, counted by tsan_reports: a server must not stop halfway through a
# test for one, nor its report be lost in the test's output.
export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp:log_path=$PWD/$out/tsan"
# The HTTP tests of threads, queues and shutdown: the ones a race would show in.
TSAN_HTTP_TESTS="tests/http/concurrency.test.mjs tests/http/shutdown.test.mjs
  tests/http/keepalive.test.mjs tests/http/workers.test.mjs tests/http/connections.test.mjs
  tests/http/dashboard-session.test.mjs"

meson_suite "unit" build
meson_suite "unit (asan+ubsan)" build-asan
if [ -d build-tsan ]; then
  # Built for these alone (./run test): not rebuilt whole here.
  meson_suite "unit (tsan)" build-tsan --no-rebuild --suite tsan --suite fuzz
  tsan_reports "unit (tsan)"
fi
# The HTTP tests run against the ASan/UBSan build only: the same 230-odd
# tests against the plain build found nothing the sanitised run does not,
# and took 72 s of the 20-minute budget. The plain binary is the one the
# browser, payments, reminders and cluster suites run (330-odd tests), and
# the plain unit build runs every unit test.
CONCURRENCY=2 node_suite "http (asan+ubsan)" tests/http PATRON_BIN="$PWD/build-asan/patron"
if [ -d build-tsan ]; then
  node_suite "http (tsan)" "$TSAN_HTTP_TESTS" PATRON_BIN="$PWD/build-tsan/patron"
  tsan_reports "http (tsan)"
fi
CONCURRENCY=2 node_suite "browser" tests/browser PATRON_BIN="$PWD/build/patron"
CONCURRENCY=2 node_suite "payments" tests/payments PATRON_BIN="$PWD/build/patron"
CONCURRENCY=2 node_suite "reminders" tests/reminders PATRON_BIN="$PWD/build/patron"
# Three nodes, nginx and PostgreSQL at once: alone.
node_suite "cluster" tests/cluster PATRON_BIN="$PWD/build/patron"
fuzz_suite
bench_suite

echo
if [ ${#failures[@]} -gt 0 ]; then
  echo "failed: ${failures[*]} (logs in $out/)"
fi
echo "(took ${SECONDS} s)"
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
