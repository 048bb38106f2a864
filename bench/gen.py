#!/usr/bin/env python3
"""Writes a generated `.slo` repository for benchmarks.

    python3 bench/gen.py DIR [FILES] [SLOS_PER_FILE]

FILES files (default 50) with one service each and SLOS_PER_FILE SLOs per
service (default 10), 500 SLOs in all. The mix resembles a real repository:
ratio SLIs with bare selectors and with full `$window` expressions, latency
SLIs, burn-factor and budget-share policies, several periods, comments. The
output is deterministic and passes `slo check --deny warnings`.
"""

import os
import sys

POLICIES = """\
# Alert policies shared by every service.
policy standard {
  page   14.4x over 1h/5m
  page   6x    over 6h/30m
  ticket 3x    over 1d/2h  for 15m
  ticket 1x    over 3d/6h
}

policy shares {
  page   2%  over 1h/5m
  page   5%  over 6h/30m
  ticket 10% over 3d/6h
}

defaults {
  window    = 30d
  alerting  = standard
  retention = 45d
}
"""

TARGETS = ["99.9%", "99.5%", "99%", "99.95%", "99.99%"]
WINDOWS = ["30d", "28d", "7d"]


def service(i, slos):
    name = f"service-{i:03}"
    job = f"svc{i:03}"
    lines = [
        f"# Generated service {i}.",
        f"service {name} {{",
        f'  team    = "team-{i % 7}"',
        f'  runbook = "https://runbooks.example.com/{name}"',
        f'  labels  {{ tier = "{i % 3}" }}',
        "",
    ]
    for j in range(slos):
        kind = j % 3
        if kind == 0:
            lines += [
                f"  sli requests{j} = ratio {{",
                f'    bad   = `http_requests_total{{job="{job}", handler="/h{j}", code=~"5.."}}`',
                f'    total = `http_requests_total{{job="{job}", handler="/h{j}"}}`',
                "  }",
            ]
        elif kind == 1:
            lines += [
                f"  sli grpc{j} = ratio {{",
                f'    bad   = `sum(rate(grpc_server_handled_total{{job="{job}", method="M{j}", grpc_code!="OK"}}[$window]))`',
                f'    total = `sum(rate(grpc_server_handled_total{{job="{job}", method="M{j}"}}[$window]))`',
                "  }",
            ]
        else:
            lines += [
                f"  sli fast{j} = latency {{",
                f'    histogram = `http_request_duration_seconds{{job="{job}", handler="/h{j}"}}`',
                f"    threshold = {(j % 4 + 1) * 100}ms",
                "  }",
            ]
    lines.append("")
    for j in range(slos):
        sli = ["requests", "grpc", "fast"][j % 3] + str(j)
        lines += [
            f"  slo objective{j} {{",
            f"    sli    = {sli}",
            f"    target = {TARGETS[(i + j) % len(TARGETS)]}",
        ]
        if j % 4 == 1:
            lines.append(f"    window = {WINDOWS[(i + j) % len(WINDOWS)]}")
        if j % 5 == 2:
            lines.append("    alerting = shares")
        if j % 7 == 3:
            lines.append("    alerting = none")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    slos = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    os.makedirs(out, exist_ok=True)
    for i in range(files):
        text = service(i, slos)
        if i == 0:
            text = POLICIES + "\n" + text
        with open(os.path.join(out, f"service-{i:03}.slo"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
