#!/usr/bin/env bash
# Benchmark `slo report`: the page of 1,000 SLOs (or SLOS), its wall time,
# peak memory and size. The targets are under 1 s and under 20 MB.
#
#   bench/report.sh [SLOS]
set -euo pipefail
cd "$(dirname "$0")/.."
slos="${1:-1000}"

cargo build --profile dist --locked --quiet
slo="$PWD/target/dist/slo"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
python3 bench/gen_scale.py --slos "$slos" "$dir/specs" >/dev/null
"$slo" check --deny warnings "$dir/specs"
for _ in 1 2 3; do "$slo" report "$dir/specs" -o "$dir/report.html"; done
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 3 --min-runs 20 --shell=none "$slo report $dir/specs -o $dir/report.html"
fi
/usr/bin/time -f "slo report: %e s wall, %M KiB peak" "$slo" report "$dir/specs" -o "$dir/report.html"
echo "page: $(wc -c <"$dir/report.html") bytes, $(grep -o '<svg' "$dir/report.html" | wc -l) charts"
