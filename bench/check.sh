#!/usr/bin/env bash
# Benchmark `slo check` over a generated repository: 50 files, 500 SLOs.
# The target is under 50 ms, so that the pre-commit hook goes unnoticed.
#
#   bench/check.sh [FILES] [SLOS_PER_FILE]
#
# Uses hyperfine when it is installed (`apt-get install hyperfine`), else
# times a loop of runs.
set -euo pipefail
cd "$(dirname "$0")/.."
files="${1:-50}"
per_file="${2:-10}"

cargo build --profile dist --locked --quiet
slo="$PWD/target/dist/slo"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
python3 bench/gen.py "$dir/specs" "$files" "$per_file"
slos="$(grep -c '^  slo ' "$dir"/specs/*.slo | awk -F: '{n += $2} END {print n}')"
echo "repository: $files files, $slos SLOs, $(cat "$dir"/specs/*.slo | wc -l) lines"

# The generated repository must be clean, or the benchmark measures error rendering.
"$slo" check --deny warnings "$dir/specs"

if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 5 --min-runs 30 --shell=none "$slo check $dir/specs"
else
  runs=50
  start="$(date +%s%N)"
  for _ in $(seq "$runs"); do "$slo" check "$dir/specs"; done
  end="$(date +%s%N)"
  echo "slo check: $(( (end - start) / runs / 1000 )) µs per run (mean of $runs)"
fi
