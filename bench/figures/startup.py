"""Figure 5: exec to the readiness line."""

from __future__ import annotations

import signal
import subprocess
import threading
import time

from .common import (heading, CPP_SERVER, LISTENING, PY_ANCHOR, PYTHON, SERVER, STUBS, Emulator, med, rotated,
                     spread, verdict)

NUMBER = 5
TITLE = "Start-up"


def time_to_ready(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        while True:
            line = proc.stderr.readline()
            if not line:
                raise RuntimeError(f"{argv[0]} exited before its readiness line")
            if LISTENING.search(line):
                return (time.perf_counter() - start) * 1000
    finally:
        proc.send_signal(signal.SIGTERM)
        threading.Thread(target=proc.stderr.read, daemon=True).start()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure(args) -> dict:
    starts = 3 if args.quick else 5
    emulator = Emulator("fig5-emulator", [])
    argv = {
        "axrpc": [str(SERVER), "--host", "127.0.0.1", "--grpc-port", "0", "--http-port", "0", "--attach",
                  "--runtime-url", emulator.url],
        "cpp": [str(CPP_SERVER), "--host", "127.0.0.1", "--port", "0"],
        "python": [PYTHON, str(PY_ANCHOR), "--stubs", str(STUBS), "--host", "127.0.0.1", "--port", "0"],
    }
    runs: dict = {name: [] for name in argv}
    try:
        for name in argv:  # one unmeasured start each: page cache
            time_to_ready(argv[name])
        for r in range(args.rounds):
            for name in rotated(list(argv), r):
                times = [time_to_ready(argv[name]) for _ in range(starts)]
                runs[name].append(med(times))
                print(f"  fig5 round {r + 1} {name}: {med(times):.1f} ms (median of {starts})", flush=True)
    finally:
        emulator.stop()
    return {"starts": starts, "runs": runs}


def render(data: dict, rounds: int) -> list[str]:
    runs = data["runs"]
    ax = med(runs["axrpc"])
    lines = heading(NUMBER, TITLE) + [
        "Time from exec (Python `subprocess.Popen`) to the readiness line on stderr: `axrpc-server --host 127.0.0.1 "
        "--grpc-port 0 --http-port 0 --attach --runtime-url http://127.0.0.1:EMU_PORT` with a running `axllm-emulator` (default "
        "flags) until `axrpc-server listening grpc=`; the anchors (no runtime) until their `listening grpc=` line, "
        f"for reference. One unmeasured start each first; {data['starts']} starts per round, {rounds} interleaved "
        "rounds; median of each round's median (min–max).",
        "",
        "| server | exec → ready ms |",
        "|---|---|",
    ]
    for name, values in runs.items():
        lines.append(f"| {name} | {spread(values, 1)} |")
    lines += ["", f"Goal < 100 ms for axrpc attached: {ax:.1f} ms {verdict(ax < 100)}.", ""]
    return lines

