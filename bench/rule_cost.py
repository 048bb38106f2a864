#!/usr/bin/env python3
"""What the rules generated from specs/checkout.slo cost Prometheus, against input cardinality.

    bench/rule_cost.py [--before PATH] [--after PATH] [--series 3,30,300]
                       [--days 31] [--scrape 15] [--no-sloth] [--rules]

Compares up to three rule sets for the SLOs of service checkout
(specs/checkout.slo: `availability`, a ratio SLI over http_requests_total,
and `latency`, a classic histogram with a 300ms threshold):

  before  rules compiled from specs/ by --before (a build of an earlier commit;
          optional), e.g.
            git worktree add /tmp/src f07460c && cd /tmp/src &&
            CARGO_TARGET_DIR=/tmp/t cargo build --release --locked
  after   rules compiled from specs/ by --after (default target/release/slo)
  Sloth   the rules Sloth generates for the same SLOs (same SLI queries,
          objectives and periods; see sloth_groups): every window from 5m to 3d
          recorded from the raw series, and the period as
          sum_over_time(slo:sli_error:ratio_rate5m[P]) / count_over_time(...[P])

Method, for each size N of --series:

 1. Raw data. Each SLI selects N input series: N/3 pods x codes 200, 500, 503
    of http_requests_total{job="checkout"} (so the `bad` selector, code=~"5..",
    selects 2N/3 of them), and N pods of http_request_duration_seconds
    (_bucket{le="0.3"}, _bucket{le="+Inf"}, _count: N series per suffix the
    rules read; 4N raw series in all). Counters grow at a per-pod rate with a
    daily cycle and deterministic noise; errors and slow requests run at about
    0.1% and 0.5%, twenty times that for 30 minutes every 3 days. One sample
    every SCRAPE seconds over DAYS days.
 2. Recorded history. Rules that read a *recorded* series over a range (the
    redesigned rules' sum_over_time(slo:sli_errors:rate5m{..}[30d]), Sloth's
    sum_over_time(slo:sli_error:ratio_rate5m{..}[30d])) only cost what they
    cost in production if that series has a history. The script finds every
    recorded series some rule reads with a range selector and synthesises it,
    with exactly the labels its recording rule gives it, one sample a minute
    over the whole DAYS: values are the 5m rates (or their ratio) of the raw
    data above, computed from the same model, not by evaluating the rules.
    Every other series a rule records gets the last 10 minutes (one sample a
    minute), so instant selectors of recorded series (burn rates, alerts) read
    what they would read in production.
 3. Everything is written as OpenMetrics in pieces of 54h, one per aligned
    block, each turned into one TSDB block by `promtool tsdb create-blocks-from
    openmetrics` while the next piece is written. 54h blocks are what a
    Prometheus with 23-67 days of retention compacts to; the server is started
    with compaction off so that the layout stays the same while measuring.
 4. prometheus is started on a free loopback port over that TSDB, and the
    expression of every rule of every group of the three sets is evaluated as
    an instant query at the end of the data with stats=all: samples read
    (totalQueryableSamples) and execution time (execTotalTime, median of 5).
    Groups without an interval are evaluated every 1m (the global
    evaluation_interval this assumes; Sloth sets no interval).

Prints, for each N, per group: interval, samples/eval, samples/min, ms/eval;
then a compact table per SLO: samples per minute (all the SLO's rules at their
group intervals), ms of evaluation per minute and per group, before / after /
Sloth, and the ratio before/after; at the end samples/min per SLO against N.
--rules also prints one line per rule.

The data is what makes the numbers: the raw series are modelled on
specs/checkout.slo, and recorded series read over a range are only known by
the names below (RECORDED_RANGE_MODEL). SLOs with `by` labels are not handled.
Rough cost: 4N series x DAYS x 86400/SCRAPE raw samples; at N=300, 31 days,
15s that is 214M samples, about 18 GB of OpenMetrics written (two 54h pieces,
at most 1.4 GB each, on disk at a time) and some minutes of promtool. Use
--scrape 15,15,60 to give each size its own interval; what each size used is
printed with its tables.

Sizes 3,30,300 at 31 days and 15s take about 7 minutes on two cores, most of
it backfilling N=300 (about 5 minutes).

Needs: prometheus and promtool (Debian package prometheus; tested with 2.42),
python3 with PyYAML, an slo binary (cargo build --release).
"""

import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

try:
    import yaml
except ImportError:
    sys.exit("rule_cost.py needs PyYAML (pip install pyyaml)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVICE = "checkout"
BLOCK = 54 * 3600  # seconds per backfilled block (and per OpenMetrics piece)
SHORT_HISTORY = 600  # seconds of history for recorded series read only at an instant
promtool = None  # the promtool turning the last piece into a block while the next is written

# The raw series the SLIs of specs/checkout.slo select, by the metric family
# their rules name. The SLI a rule is about is found by these names.
SLI_OF_FAMILY = {
    "http_requests_total": "ratio",
    "http_request_duration_seconds": "latency",
}

# Sloth's form of the same SLIs: its event queries, as a user would write them.
SLOTH_QUERIES = {
    "ratio": (
        'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))',
        'sum(rate(http_requests_total{job="checkout"}[{{.window}}]))',
    ),
    "latency": (
        'sum(rate(http_request_duration_seconds_count{job="checkout"}[{{.window}}]))\n'
        "-\n"
        'sum(rate(http_request_duration_seconds_bucket{job="checkout",le="0.3"}[{{.window}}]))',
        'sum(rate(http_request_duration_seconds_count{job="checkout"}[{{.window}}]))',
    ),
}
# Sloth's windows: the rates it records for every SLO, and its default alerts
# (Google's: budget share over long/short window), for 30d and 28d periods alike.
SLOTH_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
SLOTH_ALERTS = {
    "page": [(0.02, "1h", "5m"), (0.05, "6h", "30m")],
    "ticket": [(0.10, "1d", "2h"), (0.10, "3d", "6h")],
}

# Recorded series that rules read over a range, and what their history holds:
# (SLI kind, errors|total|ratio) -> the 5m rate or ratio of the raw data.
RECORDED_RANGE_MODEL = {
    "slo:sli_errors:rate5m": "errors",
    "slo:sli_total:rate5m": "total",
    "slo:sli_error:ratio_rate5m": "ratio",
}

RANGE_READ = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}\s*\[")
EQ_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"([^"]*)"')


def seconds(d):
    """Prometheus duration ('90s', '2m', '1h', '30d') to seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smhdw])", d))


def label_key(labels):
    return tuple(sorted((k, str(v)) for k, v in labels.items()))


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Rule sets


class Group:
    def __init__(self, name, interval, slo, rules):
        self.name, self.interval, self.slo, self.rules = name, interval, slo, rules


class RuleSet:
    """The groups of one rule set that belong to SERVICE, and what they record."""

    def __init__(self, label, groups, slo_of=None):
        self.label = label
        self.groups = []
        self.records = {}  # (name, label key) -> (SLO, SLI kind)
        kinds = {}
        for g in groups:
            service, slo = None, None
            if slo_of and g["name"] in slo_of:
                service, slo = slo_of[g["name"]]
            for r in g["rules"] if slo is None else []:
                labels = r.get("labels", {})
                service = labels.get("service", labels.get("sloth_service"))
                if service is not None:
                    slo = labels.get("slo", labels.get("sloth_slo"))
                    break
            if service != SERVICE:
                continue
            rules = [(r.get("record") or r.get("alert"), r["expr"]) for r in g["rules"]]
            self.groups.append(Group(g["name"], seconds(g.get("interval", "1m")), slo, rules))
            for _, expr in rules:
                for family, kind in SLI_OF_FAMILY.items():
                    if family in expr:
                        kinds[slo] = kind
            for r in g["rules"]:
                if "record" in r:
                    if re.search(r"\bby\s*\(", r["expr"]):
                        sys.exit(f"{label}: {r['record']} of {slo} aggregates by labels; not handled")
                    self.records[(r["record"], label_key(r.get("labels", {})))] = slo
        self.records = {k: (slo, kinds.get(slo)) for k, slo in self.records.items()}

    def range_reads(self):
        """(name, {label: value}) of recorded series some rule reads over a range."""
        out = []
        for g in self.groups:
            for _, expr in g.rules:
                for name, matchers in RANGE_READ.findall(expr):
                    if name in {n for n, _ in self.records}:
                        out.append((name, dict(EQ_MATCHER.findall(matchers))))
        return out

    def slos(self):
        return list(dict.fromkeys(g.slo for g in self.groups))


def compiled(binary, work, tag):
    out = os.path.join(work, tag)
    subprocess.run([binary, "compile", os.path.join(ROOT, "specs"), "-o", out],
                   check=True, stdout=subprocess.DEVNULL)
    groups = []
    for name in sorted(os.listdir(os.path.join(out, "prometheus"))):
        with open(os.path.join(out, "prometheus", name)) as f:
            groups += yaml.safe_load(f)["groups"]
    return groups


def sloth_groups(reference):
    """The groups Sloth (prometheus/v1 spec) generates for the SLOs of `reference`,
    and the SLO of each alert group (its rules carry no label that names it).

    Objective, period, service labels and whether the SLO alerts come from the
    slo rules; the SLI queries from SLOTH_QUERIES. The form follows Sloth's
    own output (/work/shared/import-examples/sloth/_gen/getting-started.yml).
    """
    groups, slo_of = [], {}
    for slo in reference.slos():
        meta = {}
        labels = {}
        alerts = False
        for g in reference.groups:
            if g.slo != slo:
                continue
            for name, expr in g.rules:
                m = re.fullmatch(r"\s*vector\(([0-9.]+)\)\s*", expr)
                if m:
                    meta[name] = float(m.group(1))
                if name == "ErrorBudgetBurn":
                    alerts = True
        for (name, lk), (s, _) in reference.records.items():
            if s == slo:
                labels = {k: v for k, v in lk if k not in ("service", "slo")}
        kind = next(k for (n, _), (s, k) in reference.records.items() if s == slo and k)
        objective, days = meta["slo:objective:ratio"], int(meta["slo:time_period:days"])
        budget = 1 - objective
        sid = f"{SERVICE}-{slo}"
        sel = f'sloth_id="{sid}", sloth_service="{SERVICE}", sloth_slo="{slo}"'
        base = {"sloth_id": sid, "sloth_service": SERVICE, "sloth_slo": slo, **labels}
        err_q, total_q = SLOTH_QUERIES[kind]
        sli = []
        for w in SLOTH_WINDOWS:
            sli.append({
                "record": f"slo:sli_error:ratio_rate{w}",
                "expr": f"({err_q.replace('{{.window}}', w)})\n/\n({total_q.replace('{{.window}}', w)})\n",
                "labels": {**base, "sloth_window": w}})
        sli.append({
            "record": f"slo:sli_error:ratio_rate{days}d",
            "expr": f"sum_over_time(slo:sli_error:ratio_rate5m{{{sel}}}[{days}d])\n"
                    f"/ ignoring (sloth_window)\n"
                    f"count_over_time(slo:sli_error:ratio_rate5m{{{sel}}}[{days}d])\n",
            "labels": {**base, "sloth_window": f"{days}d"}})
        on = "/ on(sloth_id, sloth_slo, sloth_service) group_left\n"
        meta_rules = [
            {"record": "slo:objective:ratio", "expr": f"vector({objective})", "labels": base},
            {"record": "slo:error_budget:ratio", "expr": f"vector(1-{objective})", "labels": base},
            {"record": "slo:time_period:days", "expr": f"vector({days})", "labels": base},
            {"record": "slo:current_burn_rate:ratio",
             "expr": f"slo:sli_error:ratio_rate5m{{{sel}}}\n{on}slo:error_budget:ratio{{{sel}}}\n",
             "labels": base},
            {"record": "slo:period_burn_rate:ratio",
             "expr": f"slo:sli_error:ratio_rate{days}d{{{sel}}}\n{on}slo:error_budget:ratio{{{sel}}}\n",
             "labels": base},
            {"record": "slo:period_error_budget_remaining:ratio",
             "expr": f"1 - slo:period_burn_rate:ratio{{{sel}}}", "labels": base},
            {"record": "sloth_slo_info", "expr": "vector(1)",
             "labels": {**base, "sloth_mode": "cli-gen-prom", "sloth_objective": f"{objective * 100:g}",
                        "sloth_spec": "prometheus/v1", "sloth_version": "dev"}},
        ]
        groups.append({"name": f"sloth-slo-sli-recordings-{sid}", "rules": sli})
        groups.append({"name": f"sloth-slo-meta-recordings-{sid}", "rules": meta_rules})
        if alerts:
            rules = []
            for severity, pairs in SLOTH_ALERTS.items():
                parts = []
                for share, long, short in pairs:
                    factor = round(share * days * 86400 / seconds(long), 4)
                    cond = [f"max(slo:sli_error:ratio_rate{w}{{{sel}}} > ({factor:g} * {budget!r})) without (sloth_window)"
                            for w in (short, long)]
                    parts.append("(\n    " + "\n    and\n    ".join(cond) + "\n)")
                rules.append({"alert": f"{SERVICE.capitalize()}{slo.capitalize()}ErrorBudgetBurn",
                              "expr": "\nor\n".join(parts) + "\n",
                              "labels": {"severity": severity, "sloth_severity": severity}})
            groups.append({"name": f"sloth-slo-alerts-{sid}", "rules": rules})
            # Sloth's alerts carry no SLO label of their own: they keep the series'.
            slo_of[f"sloth-slo-alerts-{sid}"] = (SERVICE, slo)
    return groups, slo_of


# --------------------------------------------------------------------------
# Data


class Model:
    """Deterministic traffic: cumulative unit counts at every scrape."""

    def __init__(self, start, end, scrape):
        self.start, self.scrape = start, scrape
        self.steps = (end - start) // scrape
        rnd = random.Random(20240601)
        ok, bad, fast = [0.0], [0.0], [0.0]
        for i in range(1, self.steps + 1):
            t = i * scrape
            u = (1 + 0.3 * math.sin(2 * math.pi * t / 86400) + 0.1 * rnd.random()) * scrape
            b = u * (20 if t % (3 * 86400) < 1800 else 1) * (0.5 + rnd.random())
            ok.append(ok[-1] + u)
            bad.append(bad[-1] + b)
            fast.append(ok[-1] - 0.005 * bad[-1])
        self.cum = {"ok": ok, "bad": bad, "fast": fast}

    def raw_series(self, n):
        """[(name{labels}, rate per unit, cumulative array)] of the 4N raw series."""
        out = []
        factor = [0.5 + (p * 7 % 10) / 10 for p in range(n)]
        for p in range(n // 3):
            pod = f'job="checkout",pod="checkout-{p:03d}"'
            f = factor[p]
            out.append((f'http_requests_total{{{pod},code="200"}}', 10 * f, "ok"))
            out.append((f'http_requests_total{{{pod},code="500"}}', 0.006 * f, "bad"))
            out.append((f'http_requests_total{{{pod},code="503"}}', 0.004 * f, "bad"))
        for p in range(n):
            pod = f'job="checkout",pod="checkout-{p:03d}"'
            f = factor[p]
            out.append((f'http_request_duration_seconds_bucket{{{pod},le="0.3"}}', 10 * f, "fast"))
            out.append((f'http_request_duration_seconds_bucket{{{pod},le="+Inf"}}', 10 * f, "ok"))
            out.append((f'http_request_duration_seconds_count{{{pod}}}', 10 * f, "ok"))
        totals = {
            "ratio": (0.01 * sum(factor[: n // 3]), 10 * sum(factor[: n // 3])),
            "latency": (0.05 * sum(factor), 10 * sum(factor)),
        }
        return sorted(out), totals

    def rate5m(self, kind, what, t, totals):
        """The model's 5m rate of errors or events (or their ratio) at time t."""
        i = min(self.steps, (t - self.start) // self.scrape)
        j = max(0, (t - 300 - self.start) // self.scrape)
        d_ok = self.cum["ok"][i] - self.cum["ok"][j]
        d_bad = self.cum["bad"][i] - self.cum["bad"][j]
        err_f, total_f = totals[kind]
        # errors: 0.01/s (ratio) or 0.5% of 10/s (latency) per unit pod; +errors keeps total >= errors
        errors = err_f * d_bad / 300
        total = total_f * d_ok / 300 + (errors if kind == "ratio" else 0)
        if what == "errors":
            return errors
        if what == "total":
            return total
        return errors / total if total else 0.0


def om_labels(key):
    return ",".join(f'{k}="{v}"' for k, v in key)


def backfill(model, n, rulesets, start, end, data, work):
    """Writes raw and recorded series piece by piece and turns them into blocks."""
    raw, totals = model.raw_series(n)
    # Recorded series read over a range: whole history, one sample a minute.
    long_series, short_series = {}, {}
    for rs in rulesets:
        reads = rs.range_reads()
        for (name, lk), (slo, kind) in rs.records.items():
            labels = dict(lk)
            ranged = any(name == rn and all(labels.get(k) == v for k, v in m.items()) for rn, m in reads)
            if ranged:
                if name not in RECORDED_RANGE_MODEL or kind is None:
                    sys.exit(f"{rs.label}: {name}{{{om_labels(lk)}}} is read over a range; "
                             "rule_cost.py does not know what its history holds (RECORDED_RANGE_MODEL)")
                long_series[(name, lk)] = (kind, RECORDED_RANGE_MODEL[name])
            else:
                short_series[(name, lk)] = None
    for k in long_series:
        short_series.pop(k, None)
    minutes = list(range(start + 300, end + 1, 60))
    long_values = {
        k: [f"{model.rate5m(kind, what, t, totals):.6g}" for t in minutes]
        for k, (kind, what) in long_series.items()
    }
    short_times = list(range(end - SHORT_HISTORY, end + 1, 60))
    log(f"  {len(raw)} raw series x {model.steps + 1} samples (every {model.scrape}s), "
        f"{len(long_series)} recorded series x {len(minutes)} samples (every 60s), "
        f"{len(short_series)} recorded series x {len(short_times)} samples")

    def lines_for(w0, w1):
        i0 = max(0, -(-(w0 - start) // model.scrape))
        i1 = min(model.steps + 1, -(-(w1 - start) // model.scrape))
        ts = [str(start + i * model.scrape) for i in range(i0, i1)]
        for name, rate, cum in raw:
            c = model.cum[cum][i0:i1]
            yield "".join([f"{name} {int(rate * v)} {t}\n" for v, t in zip(c, ts)])
        m0 = max(0, -(-(w0 - start - 300) // 60))
        m1 = min(len(minutes), -(-(w1 - start - 300) // 60))
        for (name, lk), values in sorted(long_values.items()):
            yield "".join([f"{name}{{{om_labels(lk)}}} {values[m]} {minutes[m]}\n" for m in range(m0, m1)])
        for name, lk in sorted(short_series):
            yield "".join([f"{name}{{{om_labels(lk)}}} 0.001 {t}\n" for t in short_times if w0 <= t < w1])

    global promtool
    w = start // BLOCK * BLOCK
    piece = 0
    while w <= end:
        path = os.path.join(work, f"piece{piece % 2}.om")
        with open(path, "w") as f:
            for chunk in lines_for(w, w + BLOCK):
                f.write(chunk)
            f.write("# EOF\n")
        if promtool and promtool.wait() != 0:
            sys.exit("promtool failed")
        promtool = subprocess.Popen(["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q",
                                    f"--max-block-duration={BLOCK // 3600}h", path, data],
                                   stdout=subprocess.DEVNULL)
        w += BLOCK
        piece += 1
    if promtool and promtool.wait() != 0:
        sys.exit("promtool failed")
    promtool = None
    for p in range(2):
        path = os.path.join(work, f"piece{p}.om")
        if os.path.exists(path):
            os.remove(path)
    return len(raw), len(long_series), len(short_series)


# --------------------------------------------------------------------------
# Server and measurement


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(work, data):
    port = free_port()
    with open(os.path.join(work, "prometheus.yml"), "w") as f:
        f.write("global:\n  evaluation_interval: 1m\n")
    logf = open(os.path.join(work, "prometheus.log"), "w")
    server = subprocess.Popen(
        ["prometheus", f"--config.file={work}/prometheus.yml", f"--storage.tsdb.path={data}",
         "--storage.tsdb.retention.time=400d",
         # no compaction: measure the blocks as backfilled
         "--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=logf)
    for _ in range(240):
        if server.poll() is not None:
            break
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2)
            return server, port
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    with open(os.path.join(work, "prometheus.log")) as f:
        sys.exit("prometheus did not become ready:\n" + f.read()[-3000:])


def stop_server(server):
    if server and server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def query(port, expr, t):
    params = urllib.parse.urlencode({"query": expr, "time": t, "stats": "all"})
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/query?{params}", timeout=300) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)


def measure(port, rs, t, verbose):
    """Per group: (group, samples/eval, ms/eval, errors)."""
    results = []
    for g in rs.groups:
        samples, ms, errors = 0, 0.0, []
        for name, expr in g.rules:
            s, times, empty = 0, [], False
            for _ in range(5):
                r = query(port, expr, t)
                if r.get("status") != "success":
                    errors.append(f"{name}: {r.get('error', r)}")
                    break
                stats = r["data"].get("stats", {})
                s = stats.get("samples", {}).get("totalQueryableSamples", 0)
                empty = not r["data"]["result"]
                times.append(stats.get("timings", {}).get("execTotalTime", 0.0) * 1000)
            m = statistics.median(times) if times else float("nan")
            if verbose:
                print(f"  {rs.label:<7} {g.name:<48} {name:<40} {s:>11} {m:>9.2f}{'  (empty)' if empty else ''}")
            if empty and not name[0].isupper():  # a recording rule, not an alert, found no data
                log(f"  warning: {rs.label} {g.name} {name} returned nothing")
            samples += s
            ms += m
        results.append((g, samples, ms, errors))
    return results


# --------------------------------------------------------------------------
# Report


def per_min(g):
    return 60 / g.interval


def fmt_n(x):
    return f"{x:,.0f}"


def report(n, scrape, results, order):
    print(f"\n=== N={n}: each SLI selects {n} input series; raw samples every {scrape}s, "
          f"recorded history every 60s ===")
    print(f"{'set':<7} {'group':<48} {'interval':>8} {'samples/eval':>13} {'samples/min':>13} {'ms/eval':>9}")
    for label in order:
        for g, samples, ms, errors in results[label]:
            print(f"{label:<7} {g.name:<48} {g.interval:>7}s {fmt_n(samples):>13} "
                  f"{fmt_n(samples * per_min(g)):>13} {ms:>9.2f}")
            for e in errors:
                print(f"        ERROR {e}")
    summary = {}
    slos = list(dict.fromkeys(g.slo for label in order for g, *_ in results[label]))
    print()
    head = "".join(f"{label:>14}" for label in order)
    ratio = "before" in order and "after" in order
    print(f"{'SLO ' + SERVICE:<26}{head}" + (f"{'before/after':>14}" if ratio else ""))
    for slo in slos:
        rows = {"samples/min": {}, "ms/min": {}}
        groups = {}
        for label in order:
            gs = [(g, s, ms) for g, s, ms, _ in results[label] if g.slo == slo]
            rows["samples/min"][label] = sum(s * per_min(g) for g, s, _ in gs)
            rows["ms/min"][label] = sum(ms * per_min(g) for g, _, ms in gs)
            for g, s, ms in gs:
                role = g.name.rsplit(":", 1)[-1] if ":" in g.name else g.name.split("-")[2]
                groups.setdefault(f"ms/eval {role}", {})[label] = ms
        summary[slo] = rows["samples/min"]
        for what, vals in list(rows.items()) + sorted(groups.items()):
            fmt = fmt_n if what == "samples/min" else (lambda x: f"{x:.2f}")
            cells = "".join(f"{fmt(vals[label]) if label in vals else '-':>14}" for label in order)
            r = ""
            if ratio and vals.get("after"):
                r = f"{vals.get('before', 0) / vals['after']:>13.1f}x"
            print(f"{slo + ' ' + what:<26}{cells}{r}")
    if "Sloth" in order:
        print("(Sloth's sli group, sloth-slo-sli-recordings-*, also holds its period rule)")
    return summary


# --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", help="slo binary of the previous rules (optional)")
    ap.add_argument("--after", default=os.path.join(ROOT, "target/release/slo"),
                    help="slo binary of the new rules (default target/release/slo)")
    ap.add_argument("--series", default="3,30,300", help="input series per SLI, comma-separated")
    ap.add_argument("--days", type=int, default=31)
    ap.add_argument("--scrape", default="15",
                    help="seconds between raw samples; one value, or one per size (15,15,60)")
    ap.add_argument("--no-sloth", action="store_true", help="leave out Sloth's rules")
    ap.add_argument("--rules", action="store_true", help="also print one line per rule")
    args = ap.parse_args()
    sizes = [int(x) for x in args.series.split(",")]
    scrapes = [int(x) for x in args.scrape.split(",")]
    if len(scrapes) == 1:
        scrapes *= len(sizes)
    if len(scrapes) != len(sizes) or any(n < 3 or n % 3 for n in sizes):
        sys.exit("--series: multiples of 3; --scrape: one value, or one per size")
    for tool in ["prometheus", "promtool"]:
        if not shutil.which(tool):
            sys.exit(f"rule_cost.py needs {tool} (apt-get install prometheus)")
    binaries = [("before", args.before), ("after", args.after)]
    binaries = [(label, b) for label, b in binaries if b]
    for _, b in binaries:
        if not os.access(b, os.X_OK):
            sys.exit(f"no slo binary at {b} (cargo build --release)")

    # SIGTERM as Ctrl-C: stop the server and promtool, remove the temporary files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("rule_cost.py: terminated"))
    t0 = time.time()
    work = tempfile.mkdtemp(prefix="slo-rule-cost.")
    server = None
    summaries = {}
    try:
        rulesets = [RuleSet(label, compiled(b, work, label)) for label, b in binaries]
        if not args.no_sloth:
            rulesets.append(RuleSet("Sloth", *sloth_groups(rulesets[-1])))
        for rs in rulesets:
            if not rs.groups:
                sys.exit(f"{rs.label}: no rules for service {SERVICE}")
        order = [rs.label for rs in rulesets]
        end = (int(time.time()) // 3600 - 1) * 3600
        start = end - args.days * 86400
        for n, scrape in zip(sizes, scrapes):
            t1 = time.time()
            log(f"N={n}: backfilling {args.days}d ...")
            data = os.path.join(work, f"data{n}")
            model = Model(start, end, scrape)
            backfill(model, n, rulesets, start, end, data, work)
            t2 = time.time()
            server, port = start_server(work, data)
            log(f"N={n}: measuring on 127.0.0.1:{port} ...")
            results = {rs.label: measure(port, rs, end, args.rules) for rs in rulesets}
            stop_server(server)
            server = None
            shutil.rmtree(data, ignore_errors=True)
            t3 = time.time()
            summaries[n] = (scrape, report(n, scrape, results, order))
            print(f"(N={n}: backfill {t2 - t1:.0f}s, measurement {t3 - t2:.0f}s)")
        print(f"\n=== samples per minute per SLO against N ===")
        print(f"{'SLO':<14}{'N':>5}{'scrape':>8}" + "".join(f"{label:>14}" for label in order)
              + (f"{'before/after':>14}" if "before" in order and "after" in order else ""))
        for slo in summaries[sizes[0]][1]:
            for n in sizes:
                scrape, s = summaries[n]
                vals = s[slo]
                r = f"{vals['before'] / vals['after']:>13.1f}x" if "before" in vals and vals.get("after") else ""
                print(f"{slo:<14}{n:>5}{scrape:>7}s" + "".join(f"{fmt_n(vals[label]):>14}" for label in order) + r)
        print(f"\ntotal {time.time() - t0:.0f}s")
    finally:
        stop_server(server)
        stop_server(promtool)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
