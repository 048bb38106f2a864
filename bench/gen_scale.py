#!/usr/bin/env python3
"""Generates a repository of `.slo` specs for benchmarking `slo`.

    bench/gen_scale.py DIR --slos N [--per-service M]

writes `DIR/policies.slo` (two policies and `defaults`) and one file per
service, `DIR/services/svc-NNNNN.slo`, each with M SLOs (the last service
gets the remainder), so that the repository holds exactly N SLOs. SLOs
alternate between the kinds users write most: ratio SLIs with `bad`, ratio
SLIs with `good`, and latency SLIs over a classic histogram; every third SLO
uses the slower policy and every tenth has no alerts. The output is a pure
function of the arguments.
"""

import argparse
import os

POLICIES = """\
policy standard {
  page   14.4x over 1h/5m
  page   6x    over 6h/30m
  ticket 3x    over 1d/2h  for 15m
  ticket 1x    over 3d/6h
}

policy relaxed {
  page   2%  over 1h/5m
  ticket 10% over 3d/6h
}

defaults {
  window   = 30d
  alerting = standard
}
"""

TARGETS = ["99.9%", "99.5%", "99%", "99.95%"]


def sli(kind, name, job, j):
    if kind == 0:
        return f"""\
  sli {name} = ratio {{
    bad   = `http_requests_total{{job="{job}", handler="/h{j}", code=~"5.."}}`
    total = `http_requests_total{{job="{job}", handler="/h{j}"}}`
  }}
"""
    if kind == 1:
        return f"""\
  sli {name} = ratio {{
    good  = `grpc_server_handled_total{{job="{job}", method="M{j}", grpc_code="OK"}}`
    total = `grpc_server_handled_total{{job="{job}", method="M{j}"}}`
  }}
"""
    return f"""\
  sli {name} = latency {{
    histogram = `http_request_duration_seconds{{job="{job}", handler="/h{j}"}}`
    threshold = 300ms
  }}
"""


def service(index, slos, first_slo):
    job = f"svc-{index:05d}"
    out = [
        f"# Service {index}: {slos} SLOs.\n",
        f"service {job} {{\n",
        f'  team    = "team-{index % 37}"\n',
        f'  runbook = "https://runbooks.example.com/{job}"\n',
        f'  labels  {{ tier = "{index % 3 + 1}" }}\n',
        "\n",
    ]
    for j in range(slos):
        g = first_slo + j
        kind = g % 3
        out.append(sli(kind, f"sli{j}", job, j))
        out.append(f"  slo objective{j} {{\n")
        out.append(f"    sli    = sli{j}\n")
        out.append(f"    target = {TARGETS[g % len(TARGETS)]}\n")
        if g % 10 == 9:
            out.append("    alerting = none\n")
        elif g % 3 == 2:
            out.append("    alerting = relaxed\n")
        out.append("  }\n")
    out.append("}\n")
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--slos", type=int, required=True, help="total number of SLOs")
    ap.add_argument("--per-service", type=int, default=10, help="SLOs per service")
    args = ap.parse_args()
    if args.slos < 1 or args.per_service < 1:
        ap.error("--slos and --per-service must be positive")

    os.makedirs(os.path.join(args.dir, "services"), exist_ok=True)
    with open(os.path.join(args.dir, "policies.slo"), "w") as f:
        f.write(POLICIES)
    done, index = 0, 0
    while done < args.slos:
        n = min(args.per_service, args.slos - done)
        path = os.path.join(args.dir, "services", f"svc-{index:05d}.slo")
        with open(path, "w") as f:
            f.write(service(index, n, done))
        done += n
        index += 1


if __name__ == "__main__":
    main()
