"""What every figure of `make bench` shares: paths, the processes under test (started, waited for
until ready, stopped), /proc readings, the load tools' wrappers and the statistics of the report."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
BIN = ROOT / ".build-bench" / "release"
SERVER = BIN / "axrpc-server"
EMULATOR = BIN / "axllm-emulator"
CPP_SERVER = OUT / "cpp" / "health_server"
STREAM_CLIENT = OUT / "cpp" / "stream_client"
PY_ANCHOR = ROOT / "bench" / "anchors" / "python" / "anchor_server.py"
STUBS = OUT / "py"
PYTHON = sys.executable
RUN = "bench/out/venv/bin/python bench/run.py"

sys.path.insert(0, str(STUBS))
import grpc  # noqa: E402,F401  (re-exported to the figures)
from axrpc.v1 import inference_pb2 as pb  # noqa: E402,F401
from axrpc.v1 import inference_pb2_grpc as rpc  # noqa: E402,F401

LISTENING = re.compile(rb"listening grpc=([0-9.]+):(\d+)")
EMULATOR_PORT = re.compile(rb"Server running on port (\d+)")
CLK_TCK = os.sysconf("SC_CLK_TCK")
HEALTH_PATH = "/axrpc.v1.Inference/Health"

PROMPT = "Why is the sky blue?"


# ------------------------------------------------------------------------------------ processes

class Proc:
    """A process whose readiness line is waited for in its log file (stdout+stderr)."""

    live: list["Proc"] = []

    def __init__(self, name: str, argv: list[str], ready: re.Pattern[bytes], wrap: list[str] | None = None):
        self.name = name
        self.argv = argv
        self.log_path = OUT / "logs" / f"{name}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen((wrap or []) + argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        Proc.live.append(self)
        self.match = self._wait(ready)

    def _wait(self, ready: re.Pattern[bytes], timeout: float = 120.0) -> re.Match[bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = ready.search(self.log_path.read_bytes())
            if match:
                return match
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"{self.name} did not get ready: {' '.join(self.argv)}\n"
                           f"{self.log_path.read_bytes()[-2000:].decode(errors='replace')}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def address(self) -> str:
        return f"{self.match.group(1).decode()}:{self.match.group(2).decode()}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if self in Proc.live:
            Proc.live.remove(self)


def heading(number: int, title: str) -> list[str]:
    """A figure's title and the command that reproduces it: the first lines of its section."""
    return [f"## {number}. {title}", "", f"Reproduce: `{RUN} --figure {number}`", ""]


def baseline_axrpc(name: str, *flags: str) -> Proc | None:
    """Another build of axrpc-server (say main's) for an A/B in the same run, when
    AXRPC_BASELINE_SERVER names one; started with `flags` after its host and ports."""
    binary = os.environ.get("AXRPC_BASELINE_SERVER")
    if not binary:
        return None
    return Proc(name, [binary, "--host", "127.0.0.1", "--grpc-port", "0", "--http-port", "0", *flags], LISTENING)


def stop_all() -> None:
    for proc in list(reversed(Proc.live)):
        proc.stop()


# axrpc's flags where its emulator also serves the direct client or the Python proxy: an idle-time
# reset would run into their calls, and a runtime they changed would pass for prepared.
SHARED_RUNTIME = ("--idle-reset", "false")


def start_axrpc(name: str, *flags: str) -> Proc:
    return Proc(name, [str(SERVER), "--host", "127.0.0.1", "--grpc-port", "0", "--http-port", "0", *flags], LISTENING)


def start_cpp(name: str = "anchor-cpp") -> Proc:
    return Proc(name, [str(CPP_SERVER), "--host", "127.0.0.1", "--port", "0"], LISTENING)


def start_python(name: str = "anchor-python", runtime_url: str | None = None) -> Proc:
    argv = [PYTHON, str(PY_ANCHOR), "--stubs", str(STUBS), "--host", "127.0.0.1", "--port", "0"]
    if runtime_url:
        argv += ["--runtime-url", runtime_url]
    return Proc(name, argv, LISTENING)


class Emulator(Proc):
    def __init__(self, name: str, flags: list[str]):
        self.flags = flags
        super().__init__(name, [str(EMULATOR), "--port", "0", *flags], EMULATOR_PORT)
        self.port = int(self.match.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def state(self) -> dict:
        import urllib.request
        with urllib.request.urlopen(f"{self.url}/__emulator/state", timeout=10) as reply:
            return json.load(reply)

    def reset_state(self) -> None:
        import urllib.request
        request = urllib.request.Request(f"{self.url}/__emulator/reset-state", data=b"", method="POST")
        urllib.request.urlopen(request, timeout=10).read()


def cpu_seconds(pid: int) -> float:
    """utime + stime of all threads, from /proc/PID/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def thread_cpu_seconds(pid: int) -> float:
    """Time on a CPU of every live thread, in nanoseconds (/proc/PID/task/*/schedstat): precise where
    /proc/PID/stat counts 10 ms ticks (a relay's whole call can be a handful of them). Falls back to
    `cpu_seconds` where the kernel has no schedstat."""
    total, found = 0, False
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(stat.read_text().split()[0])
            found = True
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e9 if found else cpu_seconds(pid)


def context_switches(pid: int) -> int:
    """Voluntary + involuntary context switches of all live threads (/proc/PID/task/*/status)."""
    total = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        try:
            for line in status.read_text().splitlines():
                if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


class MachineLoad:
    """Busy share of all CPUs (from /proc/stat) and load averages over a stretch of time."""

    def __init__(self):
        self.start = self._sample()
        self.load_start = os.getloadavg()

    @staticmethod
    def _sample() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = values[3] + values[4]
        return sum(values) - idle, sum(values)

    def finish(self) -> dict:
        busy, total = self._sample()
        share = (busy - self.start[0]) / max(1, total - self.start[1])
        return {"busy_pct": round(100 * share, 1), "load_start": self.load_start, "load_end": os.getloadavg()}


# ------------------------------------------------------------------------------------ statistics

def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt(value: float, digits: int = 0) -> str:
    if value != value:
        return "n/a"
    if abs(value) >= 1000 and digits == 0:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def spread(values: list[float], digits: int = 0) -> str:
    """median (min-max over rounds)"""
    return f"{fmt(med(values), digits)} ({fmt(min(values), digits)}–{fmt(max(values), digits)})"


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def rotated(items: list, round_index: int) -> list:
    shift = round_index % len(items)
    return items[shift:] + items[:shift]


def verdict(met: bool) -> str:
    return "**met**" if met else "**MISSED**"


# ------------------------------------------------------------------------------------ load tools

def h2load(address: str, clients: int, streams: int, duration: int, log: Path, server_pid: int) -> dict:
    body = OUT / "health-request.grpc"
    body.write_bytes(b"\x00\x00\x00\x00\x00")
    argv = ["h2load", "-D", str(duration), "--warm-up-time", "1", "-c", str(clients), "-m", str(streams),
            "-t", "1", "--log-file", str(log), "-H", "content-type: application/grpc", "-H", "te: trailers",
            "-d", str(body), f"http://{address}{HEALTH_PATH}"]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, switches, wall = cpu_seconds(server_pid), context_switches(server_pid), time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 120)
    wall = time.monotonic() - wall
    cpu, switches = cpu_seconds(server_pid) - cpu, context_switches(server_pid) - switches
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    h2load_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    finished = re.search(r"finished in [\d.]+s, ([\d.]+) req/s", result.stdout)
    counts = re.search(r"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, "
                       r"(\d+) errored", result.stdout)
    if result.returncode != 0 or not finished or not counts:
        raise RuntimeError(f"h2load failed: {' '.join(argv)}\n{result.stdout}\n{result.stderr}")
    times_us = [int(line.split("\t")[2]) for line in log.read_text().splitlines() if line.count("\t") >= 2]
    log.unlink()
    rps = float(finished.group(1))
    # The warm-up second's requests are not counted by h2load; CPU and switches cover the whole run, so
    # per-request figures divide by the whole run's estimated requests (rate x wall time).
    return {"rps": rps, "requests": int(counts.group(1)), "failed": int(counts.group(3)) + int(counts.group(4)),
            "p50_ms": percentile(times_us, 50) / 1000, "p99_ms": percentile(times_us, 99) / 1000,
            "server_cpu_pct": 100 * cpu / wall, "h2load_cpu_pct": 100 * h2load_cpu / wall,
            "server_cpu_us_per_req": 1e6 * cpu / (rps * wall), "switches_per_req": switches / (rps * wall)}


def run_stream_client(mode: str, address: str, calls: int, *extra: str) -> tuple[list[dict], float]:
    """stream_client with its CPU time (from wait4's rusage)."""
    proc = subprocess.Popen([str(STREAM_CLIENT), mode, address, str(calls), PROMPT, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()))
    errors: list[bytes] = []
    error_reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()))
    reader.start()
    error_reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    error_reader.join()
    stdout = b"".join(chunks).decode()
    results = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or len(results) != calls or not all(r["ok"] for r in results):
        raise RuntimeError(f"stream_client {mode} {address} failed ({proc.returncode}): {stdout[-1500:]} "
                           f"{b''.join(errors)[-1500:]!r}")
    return results, usage.ru_utime + usage.ru_stime
