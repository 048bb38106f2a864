#!/usr/bin/env bash
# Measures `slo check` and `slo compile` on generated repositories.
#
#   bench/run.sh                 # 1,000, 2,000, 5,000 and 10,000 SLOs
#   bench/run.sh 1000 10000      # chosen sizes
#   RUNS=30 bench/run.sh 1000    # more runs per measurement (default 10)
#   TARGET=prometheus-operator bench/run.sh 1000   # compile with --target
#
# For each size, bench/gen_scale.py writes a repository of 10 SLOs per service, one
# file per service. hyperfine measures wall time (mean ± σ, min) of
#   check    slo check REPO
#   compile  slo compile REPO -o OUT    (OUT already holds the same files)
#   fresh    slo compile REPO -o OUT    (OUT removed before each run)
# and /usr/bin/time -v the peak resident memory of one run of each. Whatever
# `slo compile` writes is measured, every kind of output included; the table
# lists what it wrote.
#
# Needs: cargo, python3, hyperfine, GNU time (/usr/bin/time).
# On Debian: apt-get install hyperfine time
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 2000 5000 10000)
runs="${RUNS:-10}"
target="${TARGET:-prometheus}"

for tool in hyperfine python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done

cargo build --profile dist --locked --quiet
slo="$PWD/target/dist/slo"

work="$(mktemp -d "${TMPDIR:-/tmp}/slo-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "slo $("$slo" --version | cut -d' ' -f2), --target $target, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# Mean, σ and min in milliseconds from a hyperfine JSON export.
summary() {
  python3 - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f'{r["mean"]*1000:8.1f} ± {r["stddev"]*1000:5.1f} (min {r["min"]*1000:7.1f})')
EOF
}

# Peak resident memory of one run, in MiB.
peak() {
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { printf "%6.1f", $2 / 1024 }'
}

printf '%6s %6s | %-30s | %-30s | %-30s | %-17s | %s\n' \
  SLOs files "check ms" "compile ms" "compile fresh ms" "peak MiB chk/cmp" "output"
for n in "${sizes[@]}"; do
  repo="$work/repo-$n"
  out="$work/out-$n"
  python3 bench/gen_scale.py "$repo" --slos "$n"
  files=$(find "$repo" -name '*.slo' | wc -l)

  "$slo" compile "$repo" -o "$out" --target "$target"
  hyperfine --style none --warmup 2 --runs "$runs" -N \
    --export-json "$work/check-$n.json" "$slo check $repo" >/dev/null
  hyperfine --style none --warmup 2 --runs "$runs" -N \
    --export-json "$work/compile-$n.json" "$slo compile $repo -o $out --target $target" >/dev/null
  hyperfine --style none --warmup 1 --runs "$runs" -N \
    --prepare "rm -rf $work/fresh-$n" \
    --export-json "$work/fresh-$n.json" "$slo compile $repo -o $work/fresh-$n --target $target" >/dev/null

  mem_check=$(peak "$slo" check "$repo")
  rm -rf "$work/fresh-$n"
  mem_compile=$(peak "$slo" compile "$repo" -o "$work/fresh-$n" --target "$target")
  # What compile wrote: files per top-level directory, and the total size.
  written=$(cd "$out" && find . -type f ! -name '.*' | cut -d/ -f2 | sort | uniq -c |
    awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
  size=$(du -sh "$out" | cut -f1)

  printf '%6s %6s | %-30s | %-30s | %-30s | %6s / %-8s | %s (%s)\n' \
    "$n" "$files" "$(summary "$work/check-$n.json")" "$(summary "$work/compile-$n.json")" \
    "$(summary "$work/fresh-$n.json")" "$mem_check" "$mem_compile" "$written" "$size"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
