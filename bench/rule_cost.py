#!/usr/bin/env python3
"""What the rules generated from specs/checkout.slo cost Prometheus.

    bench/rule_cost.py [--days 31] [--scrape 15]

Backfills DAYS of samples, one every SCRAPE seconds, for the series the
tour's SLIs read (with promtool tsdb create-blocks-from openmetrics), starts
prometheus on a loopback port over that data, and evaluates the expression
of every generated rule as an instant query at the end of the data with
stats=all: the samples each evaluation reads and how long it takes
(median of five). Prints one line per rule, then the samples each group
reads per minute at its evaluation interval.

Needs: a release build (cargo build --release), prometheus and promtool
(Debian package prometheus), PyYAML.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

try:
    import yaml
except ImportError:
    sys.exit("rule_cost.py needs PyYAML (pip install pyyaml)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The series the tour's SLIs select: requests by status code, and a latency
# histogram. Counters grow by these amounts per scrape.
SERIES = [
    ('http_requests_total{job="checkout",code="200"}', 99.0),
    ('http_requests_total{job="checkout",code="500"}', 1.0),
    ('http_request_duration_seconds_bucket{job="checkout",le="0.3"}', 95.0),
    ('http_request_duration_seconds_bucket{job="checkout",le="+Inf"}', 100.0),
    ('http_request_duration_seconds_count{job="checkout"}', 100.0),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, params):
    url = f"http://127.0.0.1:{port}{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=120) as r:
        return json.load(r)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=31)
    ap.add_argument("--scrape", type=int, default=15, help="seconds between samples")
    args = ap.parse_args()
    for tool in ["prometheus", "promtool"]:
        if not shutil.which(tool):
            sys.exit(f"rule_cost.py needs {tool} (apt-get install prometheus)")
    slo = os.path.join(ROOT, "target/release/slo")
    if not os.path.exists(slo):
        sys.exit("build first: cargo build --release")

    work = tempfile.mkdtemp(prefix="slo-rule-cost.")
    server = None
    try:
        subprocess.run([slo, "compile", os.path.join(ROOT, "specs"), "-o", f"{work}/out"], check=True)
        rules = []
        for name in sorted(os.listdir(f"{work}/out/prometheus")):
            with open(f"{work}/out/prometheus/{name}") as f:
                for group in yaml.safe_load(f)["groups"]:
                    interval = group.get("interval", "1m")
                    for rule in group["rules"]:
                        rules.append((group["name"], interval, rule.get("record") or rule.get("alert"), rule["expr"]))

        end = int(time.time()) - 3600
        start = end - args.days * 86400
        steps = (end - start) // args.scrape
        om = f"{work}/data.om"
        with open(om, "w") as f:
            for series, per_scrape in SERIES:
                lines = [f"{series} {i * per_scrape} {start + i * args.scrape}\n" for i in range(steps + 1)]
                f.writelines(lines)
            f.write("# EOF\n")
        print(f"backfilling {len(SERIES)} series x {steps + 1} samples ({args.days}d every {args.scrape}s)...", file=sys.stderr)
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om, f"{work}/data"],
                       check=True, stdout=subprocess.DEVNULL)
        os.remove(om)

        port = free_port()
        with open(f"{work}/prometheus.yml", "w") as f:
            f.write("global:\n  evaluation_interval: 1m\n")
        server = subprocess.Popen(
            ["prometheus", f"--config.file={work}/prometheus.yml", f"--storage.tsdb.path={work}/data",
             "--storage.tsdb.retention.time=400d", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=open(f"{work}/prometheus.log", "w"))
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            sys.exit("prometheus did not become ready; see " + f"{work}/prometheus.log")

        print(f"{'group':<36} {'rule':<42} {'samples':>9} {'ms':>8}")
        per_group = {}
        for group, interval, name, expr in rules:
            samples, times = 0, []
            for _ in range(5):
                r = get(port, "/api/v1/query", {"query": expr, "time": end, "stats": "all"})
                if r.get("status") != "success":
                    sys.exit(f"{name}: {r}")
                stats = r["data"].get("stats", {})
                samples = stats.get("samples", {}).get("totalQueryableSamples", 0)
                times.append(stats.get("timings", {}).get("execTotalTime", 0.0) * 1000)
            ms = statistics.median(times)
            print(f"{group:<36} {name:<42} {samples:>9} {ms:>8.2f}")
            g = per_group.setdefault(group, [interval, 0, 0.0])
            g[1] += samples
            g[2] += ms
        print()
        print(f"{'group':<36} {'interval':>8} {'samples/eval':>13} {'samples/min':>12} {'ms/eval':>8}")
        for group, (interval, samples, ms) in per_group.items():
            minutes = int(interval[:-1]) * {"s": 1 / 60, "m": 1, "h": 60}[interval[-1]]
            print(f"{group:<36} {interval:>8} {samples:>13} {samples / minutes:>12.0f} {ms:>8.2f}")
    finally:
        if server:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
