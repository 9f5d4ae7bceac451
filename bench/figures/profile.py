"""The profiles of `make bench` (`--profile`): perf samples of the release server under a fixed load,
reported as measured (self time by function, object and thread)."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

from .common import HEALTH_PATH, OUT, ROOT, RUN, SERVER, Emulator, run_stream_client, start_axrpc
from .relay import RELAY_FLAGS


def demangle(names: list[str]) -> list[str]:
    try:
        result = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(names),
                                capture_output=True, text=True, timeout=60)
        out = result.stdout.splitlines()
        return out if result.returncode == 0 and len(out) == len(names) else names
    except (OSError, subprocess.TimeoutExpired):
        return names


def perf_table(data: Path, sort: str, top: int) -> list[tuple[float, str, str]]:
    result = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", sort, "--stdio", "-g",
                             "none", "--percent-limit", "0.1"], capture_output=True, text=True, timeout=300)
    rows = []
    for line in result.stdout.splitlines():
        if sort in ("dso", "comm"):
            match = re.match(r"\s*([\d.]+)%\s+(\S.*?)\s*$", line)
            if match:
                rows.append((float(match.group(1)), match.group(2), ""))
        else:
            match = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.+?)\s*(?:-\s+-\s*)?$", line)
            if match:
                rows.append((float(match.group(1)), match.group(2), match.group(3).strip()))
        if len(rows) >= top:
            break
    if sort not in ("dso", "comm"):
        names = demangle([r[2] for r in rows])
        rows = [(r[0], r[1], names[i]) for i, r in enumerate(rows)]
    return rows


def valgrind_check() -> str:
    """Whether callgrind can run the Swift binary (Debian's valgrind 3.19 cannot: see the report)."""
    verdicts = []
    stripped = OUT / "axrpc-server.nodebug"
    subprocess.run(["objcopy", "--strip-debug", str(SERVER), str(stripped)], check=False)
    for label, binary in (("release binary", SERVER), ("copy without debug info", stripped)):
        log = OUT / "logs" / f"callgrind-check-{binary.name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={OUT / 'callgrind.check.out'}", str(binary),
                "--host", "127.0.0.1", "--grpc-port", "0", "--no-runtime"]
        with open(log, "wb") as sink:
            proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline and b"listening grpc=" not in log.read_bytes():
                time.sleep(0.2)
            ran = b"listening grpc=" in log.read_bytes()
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        text = log.read_text(errors="replace")
        if ran:
            verdicts.append(f"{label}: runs")
            continue
        reason = next((re.sub(r"^(==|--)\d+(==|--)\s*", "", line).strip() for line in text.splitlines()
                       if "Possibly corrupted debuginfo" in line or "SIGSEGV" in line), "did not start")
        verdicts.append(f"{label}: {reason} (log: `bench/out/logs/{log.name}`)")
    return "; ".join(verdicts)


def perf_profile(name: str, pid: int, load) -> dict:
    data = OUT / f"perf.{name}.data"
    perf = subprocess.Popen(["perf", "record", "-F", "2999", "-g", "-p", str(pid), "-o", str(data)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        description = load()
    finally:
        perf.send_signal(signal.SIGINT)
        perf.wait(timeout=60)
    return {"load": description, "data": str(data.relative_to(ROOT)), "symbols": perf_table(data, "dso,symbol", 15),
            "dsos": perf_table(data, "dso", 8), "threads": perf_table(data, "comm", 6)}


def measure(args) -> dict:
    out: dict = {"valgrind": valgrind_check()}
    body = OUT / "health-request.grpc"
    body.write_bytes(b"\x00\x00\x00\x00\x00")
    for key, clients, streams, requests in (("fig1", 10, 10, 100000), ("fig1-c100", 100, 1, 60000)):
        requests = requests // 5 if args.quick else requests
        server = start_axrpc(f"profile-{key}-axrpc", "--no-runtime")

        def unary():
            command = ["h2load", "-n", str(requests), "-c", str(clients), "-m", str(streams), "-t", "1",
                       "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", str(body),
                       f"http://{server.address}{HEALTH_PATH}"]
            result = subprocess.run(command, capture_output=True, text=True, timeout=600)
            succeeded = re.search(r"(\d+) succeeded", result.stdout)
            return (f"h2load -n {requests} -c {clients} -m {streams} -t 1 (Health), "
                    f"{succeeded.group(1) if succeeded else 0} succeeded")

        try:
            out[key] = perf_profile(key, server.pid, unary)
        finally:
            server.stop()
    calls = 5 if args.quick else 20
    emulator = Emulator("profile-fig2-emulator", RELAY_FLAGS)
    server = start_axrpc("profile-fig2-axrpc", "--attach", "--runtime-url", emulator.url)

    def relay():
        results, _ = run_stream_client("grpc", server.address, calls)
        return f"stream_client grpc, {len(results)} Generate calls of 2000 tokens ({sum(x['bytes'] for x in results)} bytes)"

    try:
        out["fig2"] = perf_profile("fig2", server.pid, relay)
    finally:
        server.stop()
        emulator.stop()
    return out


def render(data: dict) -> list[str]:
    lines = [
        "## Profiles: where axrpc-server spends its CPU",
        "",
        f"Reproduce: `{RUN} --profile`",
        "",
        f"valgrind callgrind (Debian valgrind 3.19) on `axrpc-server --no-runtime`, checked in this run: "
        f"{data['valgrind']}. The profiles are "
        "`perf record -F 2999 -g -p PID` (Debian linux-perf; on this VM only the `cpu-clock` software event exists, "
        "so the numbers are sampled CPU time, not instructions) of the release server under a fixed load, "
        "then `perf report --no-children --sort dso,symbol` (self time; Swift names demangled with "
        "`swift demangle --simplified`).",
        "",
    ]
    for key, title in (("fig1", "Figure 1 hot path, `-c 10 -m 10`: `axrpc-server --no-runtime`"),
                       ("fig1-c100", "Figure 1 hot path, `-c 100 -m 1`: `axrpc-server --no-runtime`"),
                       ("fig2", "Figure 2 hot path: `axrpc-server --attach` relaying the emulator")):
        entry = data.get(key)
        if not entry:
            continue
        lines += [f"### {title}", "", f"Load: {entry['load']}; samples in `{entry['data']}`.", "",
                  "By object: " + ", ".join(f"{dso} {share:.1f}%" for share, dso, _ in entry["dsos"]) + ".", "",
                  "By thread: " + ", ".join(f"{comm} {share:.1f}%" for share, comm, _ in entry.get("threads", []))
                  + " (`oot.default-qos` = Swift concurrency's global executor threads, `NIO-ELT-*` = event loops).", "",
                  "| # | self % | object | function |", "|---|---|---|---|"]
        for i, (share, dso, name) in enumerate(entry["symbols"], 1):
            clean = name.replace("|", "\\|")
            if len(clean) > 150:
                clean = clean[:147] + "..."
            lines.append(f"| {i} | {share:.1f} | {dso} | `{clean}` |")
        lines.append("")
    return lines


def top_costs(entry: dict, symbols: int = 6) -> str:
    dsos = ", ".join(f"{dso} {share:.0f}%" for share, dso, _ in entry["dsos"][:4])
    names = "; ".join(f"`{name[:80]}` {share:.1f}%" for share, _, name in entry["symbols"][:symbols])
    return f"by object {dsos}; top self costs {names}"

