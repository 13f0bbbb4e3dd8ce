#!/usr/bin/env bash
# Runs libFuzzer targets built by the fuzz preset, each for SECONDS seconds, one after another.
#   fuzz/run.sh BUILD_DIR SECONDS [TARGET...]     (default: every fuzz-* program in BUILD_DIR/fuzz)
# New corpus entries go to BUILD_DIR/fuzz-work/corpus/<target>/ (the seeds in fuzz/corpus/ are
# read, not written); a crash, leak, timeout or out-of-memory leaves its input in
# BUILD_DIR/fuzz-work/artifacts/<target>/ and makes the run fail. A line per target is appended to
# BUILD_DIR/fuzz-work/runs.log with the seconds run, executions and the result.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:?build dir}
seconds=${2:?seconds}
shift 2
targets=("$@")
if ((${#targets[@]} == 0)); then
  for program in "$build"/fuzz/fuzz-*; do targets+=("$(basename "$program" | sed 's/^fuzz-//')"); done
fi
work="$build/fuzz-work"
mkdir -p "$work"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for target in "${targets[@]}"; do
  program="$build/fuzz/fuzz-$target"
  [[ -x "$program" ]] || { echo "no fuzz program $program" >&2; failed+=("$target"); continue; }
  dict=fuzz/json.dict
  [[ $target == http_response ]] && dict=fuzz/http.dict
  mkdir -p "$work/corpus/$target" "$work/artifacts/$target"
  log="$work/$target.log"
  dirs=("$work/corpus/$target" "fuzz/corpus/$target")
  [[ -d fuzz/regressions/$target ]] && dirs+=("fuzz/regressions/$target")
  start=$(date +%s)
  "$program" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -dict="$dict" -artifact_prefix="$work/artifacts/$target/" \
    "${dirs[@]}" >"$log" 2>&1
  status=$?
  elapsed=$(($(date +%s) - start))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  result=ok
  ((status == 0)) || { result="FAILED (exit $status, see $log)"; failed+=("$target"); }
  printf '%s %-36s %5ss %10s runs  %s\n' "$(date -u +%FT%TZ)" "$target" "$elapsed" "${runs:-?}" \
    "$result" | tee -a "$work/runs.log"
  if ((status != 0)); then
    grep -E 'ERROR|SUMMARY|Test unit written|runtime error' "$log" | head -20 >&2
  fi
done
if ((${#failed[@]})); then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
