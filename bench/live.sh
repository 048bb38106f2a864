#!/usr/bin/env bash
# Benchmark `slo check --prometheus` over 1,000 SLOs against a real
# Prometheus on loopback that holds a series for every selector.
#
#   bench/live.sh [SLOS]
#
# Generates the repository (bench/gen_scale.py), a metrics page with the
# series every SLI selects (each ratio with a good and a bad code, each
# histogram with its buckets), serves the page from a loopback port, starts
# `prometheus` scraping it every second, waits until every series is there,
# then times `slo check --prometheus` (hyperfine when installed) and prints
# how many requests one run sends. Needs `prometheus` and `python3`.
set -euo pipefail
cd "$(dirname "$0")/.."
slos="${1:-1000}"

cargo build --profile dist --locked --quiet
slo="$PWD/target/dist/slo"
dir="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT

python3 bench/gen_scale.py "$dir/specs" --slos "$slos"
mkdir -p "$dir/feed"
python3 - "$dir/specs" "$dir/feed/metrics" <<'PY'
import pathlib, re, sys
lines = set()
for f in pathlib.Path(sys.argv[1]).rglob("*.slo"):
    text = f.read_text()
    for job, h in re.findall(r'http_requests_total\{job="([^"]+)", handler="([^"]+)"\}', text):
        for code in ("200", "500"):
            lines.add(f'http_requests_total{{job="{job}",handler="{h}",code="{code}"}} 1')
    for job, m in re.findall(r'grpc_server_handled_total\{job="([^"]+)", method="([^"]+)"\}', text):
        for code in ("OK", "Unavailable"):
            lines.add(f'grpc_server_handled_total{{job="{job}",method="{m}",grpc_code="{code}"}} 1')
    for job, h in re.findall(r'http_request_duration_seconds\{job="([^"]+)", handler="([^"]+)"\}', text):
        for le in ("0.1", "0.3", "1", "+Inf"):
            lines.add(f'http_request_duration_seconds_bucket{{job="{job}",handler="{h}",le="{le}"}} 1')
        lines.add(f'http_request_duration_seconds_count{{job="{job}",handler="{h}"}} 1')
head = ["# TYPE http_requests_total counter", "# TYPE grpc_server_handled_total counter",
        "# TYPE http_request_duration_seconds histogram"]
pathlib.Path(sys.argv[2]).write_text("\n".join(head + sorted(lines)) + "\n")
print(f"feed: {len(lines)} series")
PY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
feed_port="$(free_port)"
prom_port="$(free_port)"
(cd "$dir/feed" && exec python3 -m http.server "$feed_port" --bind 127.0.0.1 >/dev/null 2>&1) &
pids+=("$!")
cat >"$dir/prometheus.yml" <<YML
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: feed
    honor_labels: true
    static_configs: [{ targets: ["127.0.0.1:$feed_port"] }]
YML
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
  --storage.tsdb.retention.time=45d --web.listen-address="127.0.0.1:$prom_port" >"$dir/prometheus.log" 2>&1 &
pids+=("$!")
url="http://127.0.0.1:$prom_port"
want="$(grep -vc '^#' "$dir/feed/metrics")"
for _ in $(seq 120); do
  have="$(curl -fsS "$url/api/v1/query" --data-urlencode 'query=count({job=~"svc-.*"})' 2>/dev/null \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' 2>/dev/null || echo 0)"
  [ "$have" = "$want" ] && break
  sleep 1
done
echo "prometheus holds $have of $want series"

"$slo" check --prometheus "$url" "$dir/specs"
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 2 --min-runs 10 --shell=none "$slo check --prometheus $url $dir/specs"
else
  time "$slo" check --prometheus "$url" "$dir/specs"
fi
