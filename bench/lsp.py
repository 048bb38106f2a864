#!/usr/bin/env python3
"""The client side of bench/lsp.sh: speaks JSON-RPC to `slo lsp`.

    python3 bench/lsp.py SLO WORKSPACE CHANGES
"""

import json
import os
import statistics
import subprocess
import sys
import time


def main():
    slo, root, changes = sys.argv[1], os.path.abspath(sys.argv[2]), int(sys.argv[3])
    server = subprocess.Popen(
        [slo, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )

    def send(message):
        body = json.dumps(message).encode()
        server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        server.stdin.flush()

    def receive():
        length = None
        while True:
            line = server.stdout.readline()
            if not line:
                sys.exit("the server closed its output")
            line = line.strip()
            if not line:
                break
            if line.startswith(b"Content-Length:"):
                length = int(line.split(b":")[1])
        return json.loads(server.stdout.read(length))

    def until(wanted):
        while True:
            message = receive()
            if wanted(message):
                return message

    uri = "file://" + os.path.join(root, sorted(os.listdir(root))[1])
    started = time.perf_counter()
    send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
          "params": {"processId": os.getpid(), "rootUri": "file://" + root, "capabilities": {}}})
    until(lambda m: m.get("id") == 1)
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    text = open(uri[len("file://"):]).read()
    send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
          "params": {"textDocument": {"uri": uri, "languageId": "slo", "version": 0, "text": text}}})

    def published(version):
        return lambda m: (m.get("method") == "textDocument/publishDiagnostics"
                          and m["params"]["uri"] == uri and m["params"]["version"] == version)

    until(published(0))
    print(f"start, read and check the workspace, first diagnostics: {(time.perf_counter() - started) * 1000:.1f} ms")

    # The first `target = ` line of the file: broken (`99.9` without `%`)
    # and mended in turn.
    lines = text.split("\n")
    line = next(i for i, l in enumerate(lines) if l.strip().startswith("target"))
    col = lines[line].index("%")
    latencies = []
    errors = 0
    for version in range(1, changes + 1):
        broken = version % 2 == 1
        change = ({"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col + 1}}, "text": ""}
                  if broken else
                  {"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}, "text": "%"})
        sent = time.perf_counter()
        send({"jsonrpc": "2.0", "method": "textDocument/didChange",
              "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
        message = until(published(version))
        latencies.append((time.perf_counter() - sent) * 1000)
        if broken != bool(message["params"]["diagnostics"]):
            errors += 1
    send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    until(lambda m: m.get("id") == 2)
    status = open(f"/proc/{server.pid}/status").read() if os.path.exists(f"/proc/{server.pid}/status") else ""
    peak = next((l.split()[1] for l in status.splitlines() if l.startswith("VmHWM")), None)
    send({"jsonrpc": "2.0", "method": "exit"})
    server.wait(timeout=10)

    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"didChange → publishDiagnostics over {changes} changes: "
          f"median {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, "
          f"min {latencies[0]:.1f} ms, max {latencies[-1]:.1f} ms")
    if peak:
        print(f"server peak memory: {int(peak) / 1024:.1f} MiB")
    if errors:
        sys.exit(f"{errors} changes published the wrong diagnostics")


if __name__ == "__main__":
    main()
