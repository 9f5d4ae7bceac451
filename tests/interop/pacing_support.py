"""Poll pacing and idle-time preparation, measured from the emulator's per-generation records
(`/__emulator/state` -> `generations[]`: `polls` answered while the generation ran, and per
queued chunk `chars`, `queued_ms`, `drained_ms` on the emulator's clock).

Used by tests/interop/test_poll_pacing.py (behavioural bounds) and runnable on its own for the
numbers (bench/ can import `chunk_figures`, `percentile` and `measure`):

    python3 tests/interop/pacing_support.py [--server .build/debug/axrpc-server] [--calls 4]

starts axrpc-server with its HTTP gateway and the emulator at hardware-like timing (4.5 tokens/s),
and prints polls per delivered chunk, the added chunk latency (queued in the runtime -> taken by
a poll) p50/p99, and the time to first token (median) of a Generate arriving at an idle server
with the default system prompt (prepared by the idle-time reset) and with another one (a reset
on the critical path). `--idle-reset false` gives the figures without idle-time preparation.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# 4.5 tokens/s as on the NPU; prefill and reset as the hardware profile (1200 ms per chunk).
HARDWARE_LIKE = "--profile hardware --reply-tokens 24 --history-limit 64"


def chunk_figures(record: dict) -> dict:
    """Polls per delivered (non-empty) chunk and each such chunk's added latency in ms."""
    chunks = [c for c in record.get("chunks", []) if c["chars"] > 0]
    latencies = [c["drained_ms"] - c["queued_ms"] for c in chunks if c.get("drained_ms") is not None]
    polls = record.get("polls", 0)
    return {"polls": polls, "chunks": len(chunks), "polls_per_chunk": polls / max(1, len(chunks)),
            "latencies_ms": latencies}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def summarize(records: list[dict]) -> dict:
    figures = [chunk_figures(r) for r in records]
    latencies = [x for f in figures for x in f["latencies_ms"]]
    polls = sum(f["polls"] for f in figures)
    chunks = sum(f["chunks"] for f in figures)
    return {"generations": len(records), "polls": polls, "chunks": chunks,
            "polls_per_chunk": polls / max(1, chunks),
            "latency_p50_ms": percentile(latencies, 50), "latency_p99_ms": percentile(latencies, 99),
            "latency_max_ms": max(latencies) if latencies else float("nan")}


# --------------------------------------------------------------------------------------------
# Standalone measurement over the HTTP gateway (no generated gRPC stubs needed)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return json.loads(reply.read())


def _post(url: str, body: dict | None = None) -> None:
    request = urllib.request.Request(url, data=json.dumps(body or {}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        reply.read()


def stream_generate(http_url: str, model: str, prompt: str, system: str | None = None) -> float:
    """Streams an Ollama-style Generate; returns seconds to the first non-empty text."""
    body = {"model": model, "prompt": prompt, "stream": True}
    if system is not None:
        body["system"] = system
    request = urllib.request.Request(f"{http_url}/api/generate", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    started = time.monotonic()
    first = None
    with urllib.request.urlopen(request, timeout=120) as reply:
        for line in reply:
            part = json.loads(line)
            if first is None and part.get("response"):
                first = time.monotonic() - started
    return first if first is not None else float("nan")


def wait_idle(emulator: str, timeout: float = 30) -> None:
    """Until the emulator runs nothing and has nothing queued (an idle-time reset included)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        state = _get(f"{emulator}/__emulator/state")
        if not state["busy"] and state["queued_tasks"] == 0 and state["worker_state"] == "idle":
            return
        time.sleep(0.05)
    raise TimeoutError("the emulator did not become idle")


def measure(server_binary: str, calls: int = 4, emulator_args: str = HARDWARE_LIKE, idle_reset: bool = True) -> dict:
    """Runs the measurement described in the module docstring; returns the figures. With
    `idle_reset` False the server runs as before idle-time preparation (`--idle-reset false`)."""
    http_port, emulator_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [server_binary, "--grpc-port", str(_free_port()), "--http-port", str(http_port), "--idle-reset", str(idle_reset).lower(),
         "--emulator-args", f"--port {emulator_port} {emulator_args}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    http_url, emulator = f"http://127.0.0.1:{http_port}", f"http://127.0.0.1:{emulator_port}"
    try:
        end = time.monotonic() + 60
        while True:
            try:
                if _get(f"{http_url}/readyz"):
                    break
            except OSError:
                if time.monotonic() > end:
                    raise
            time.sleep(0.1)
        model = _get(f"{http_url}/api/tags")["models"][0]["name"]
        # One call teaches the bridge the runtime's cadence; it is not counted.
        stream_generate(http_url, model, "Warm up, please.")
        wait_idle(emulator)
        _post(f"{emulator}/__emulator/reset-state")
        prepared, reset_first = [], []
        for index in range(calls):
            wait_idle(emulator)  # an idle server: the idle-time reset is done
            prepared.append(stream_generate(http_url, model, f"Tell me something, number {index}."))
            wait_idle(emulator)
            reset_first.append(stream_generate(http_url, model, f"Tell me something, number {index}.",
                                               system="You are a careful assistant."))
        records = [r for r in _get(f"{emulator}/__emulator/state")["generations"] if r["outcome"] == "eos"]
        figures = summarize(records)
        figures["idle_reset"] = idle_reset
        figures["idle_ttft_default_system_ms"] = percentile([t * 1000 for t in prepared], 50)
        figures["idle_ttft_other_system_ms"] = percentile([t * 1000 for t in reset_first], 50)
        return figures
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> int:
    root = Path(__file__).resolve().parents[2]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.environ.get("AXRPC_SERVER", str(root / ".build/debug/axrpc-server")))
    parser.add_argument("--calls", type=int, default=4)
    parser.add_argument("--emulator-args", default=HARDWARE_LIKE)
    parser.add_argument("--idle-reset", choices=["true", "false"], default="true")
    options = parser.parse_args()
    figures = measure(options.server, options.calls, options.emulator_args, options.idle_reset == "true")
    json.dump(figures, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
