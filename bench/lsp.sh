#!/usr/bin/env bash
# Benchmark `slo lsp`: how long after a change in a 500-SLO workspace the
# editor has the new diagnostics. The target is under 50 ms.
#
#   bench/lsp.sh [FILES] [SLOS_PER_FILE] [CHANGES]
#
# Opens one file of a generated repository (bench/gen.py), then types
# CHANGES edits into it, one at a time, each waiting for its diagnostics:
# every other edit breaks an SLO's target and the next one mends it, so the
# diagnostics change each time. Prints the latency from sending
# `didChange` to receiving `publishDiagnostics` for that version.
set -euo pipefail
cd "$(dirname "$0")/.."
files="${1:-50}"
per_file="${2:-10}"
changes="${3:-200}"

cargo build --profile dist --locked --quiet
slo="$PWD/target/dist/slo"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
python3 bench/gen.py "$dir/specs" "$files" "$per_file"
slos="$(grep -c '^  slo ' "$dir"/specs/*.slo | awk -F: '{n += $2} END {print n}')"
echo "workspace: $files files, $slos SLOs, $(cat "$dir"/specs/*.slo | wc -l) lines"
"$slo" check --deny warnings "$dir/specs"
python3 bench/lsp.py "$slo" "$dir/specs" "$changes"
