"""Figure 9: what one relayed delta costs the relay process: context switches of all its threads and
CPU per token over one long generation with the emulator's instant timing, axrpc against the naive
Python proxy."""

from __future__ import annotations

from .common import (RUN, Emulator, context_switches, cpu_seconds, med, ratio, rotated, run_stream_client, spread,
                     SHARED_RUNTIME, start_axrpc, start_python, verdict)

NUMBER = 9
TITLE = "Context switches per relayed delta and relay CPU per token"


def flags(reply_tokens: int) -> list[str]:
    return ["--profile", "instant", "--reply-tokens", str(reply_tokens)]


def measure(args) -> dict:
    reply = 5000 if args.quick else 40000
    emulator = Emulator("fig9-emulator", flags(reply))
    targets = {"axrpc": start_axrpc("fig9-axrpc", "--attach", "--runtime-url", emulator.url, *SHARED_RUNTIME),
               "python": start_python("fig9-python", emulator.url)}
    runs: dict = {name: [] for name in targets}
    try:
        for r in range(args.rounds):
            for name in rotated(list(targets), r):
                server = targets[name]
                emulator.reset_state()
                tokens_before = emulator.state()["total_generated_tokens"]
                switches, cpu = context_switches(server.pid), cpu_seconds(server.pid)
                results, _ = run_stream_client("grpc", server.address, 1)
                switches, cpu = context_switches(server.pid) - switches, cpu_seconds(server.pid) - cpu
                tokens = emulator.state()["total_generated_tokens"] - tokens_before
                deltas = sum(x["deltas"] for x in results)
                run = {"switches": switches, "deltas": deltas, "tokens": tokens, "cpu_s": cpu,
                       "switches_per_delta": ratio(switches, deltas), "cpu_us_per_token": 1e6 * ratio(cpu, tokens),
                       "tokens_per_delta": ratio(tokens, deltas)}
                runs[name].append(run)
                print(f"  fig9 round {r + 1} {name}: {switches} switches / {deltas} deltas = "
                      f"{run['switches_per_delta']:.2f}; {run['cpu_us_per_token']:.1f} µs CPU per token", flush=True)
    finally:
        for server in targets.values():
            server.stop()
        emulator.stop()
    return {"reply": reply, "runs": runs}


def render(data: dict, rounds: int) -> list[str]:
    runs = data["runs"]
    lines = [
        f"## {NUMBER}. {TITLE}",
        "",
        f"Reproduce: `{RUN} --figure {NUMBER}`",
        "",
        f"Emulator: `axllm-emulator --port 0 {' '.join(flags(data['reply']))}` (the emulator stops the reply at "
        "its own length limit: tokens per call below). One Generate per round and target "
        "(`stream_client grpc HOST:PORT 1 PROMPT`) through **axrpc** (`axrpc-server --attach --runtime-url ...`) and "
        "**python** (`bench/anchors/python/anchor_server.py --runtime-url ...`, grpcio aio + `requests`). Context "
        "switches = voluntary + involuntary of every thread of the relay process (the sum over "
        "/proc/PID/task/*/status: /proc/PID/status alone counts only the main thread) before and after the call, "
        "divided by the deltas the client received; CPU = utime+stime from /proc/PID/stat (10 ms ticks) per token "
        f"the emulator generated. {rounds} interleaved rounds, median (min–max).",
        "",
        "| relay | ctx switches per delta | CPU µs per token | tokens per delta | deltas per call | tokens per call |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("axrpc", "python"):
        rows = runs[name]
        lines.append(f"| {name} | {spread([x['switches_per_delta'] for x in rows], 2)} | "
                     f"{spread([x['cpu_us_per_token'] for x in rows], 1)} | {spread([x['tokens_per_delta'] for x in rows], 1)} | "
                     f"{spread([x['deltas'] for x in rows])} | {spread([x['tokens'] for x in rows])} |")
    switches = med([x["switches_per_delta"] for x in runs["axrpc"]])
    cpu = ratio(med([x["cpu_us_per_token"] for x in runs["axrpc"]]), med([x["cpu_us_per_token"] for x in runs["python"]]))
    lines += [
        "",
        f"Ratio (medians): axrpc / python CPU per token **{cpu:.2f}x**; context switches per delta axrpc / python "
        f"{ratio(switches, med([x['switches_per_delta'] for x in runs['python']])):.2f}x.",
        "",
        f"Goal: <= 1.5 context switches per relayed delta: {switches:.2f} {verdict(switches <= 1.5)}.",
        f"Goal: relay CPU per token <= 0.2x the Python proxy's: {cpu:.2f}x {verdict(cpu <= 0.2)}.",
        "",
    ]
    return lines
