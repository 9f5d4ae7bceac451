"""Figure 2: the streaming relay's throughput and CPU per token against a direct runtime client and
the naive Python proxy, with the emulator as fast as it goes."""

from __future__ import annotations


from .common import (baseline_axrpc, heading, Emulator, context_switches, cpu_seconds, thread_cpu_seconds, med, ratio, rotated, run_stream_client,
                     spread, SHARED_RUNTIME, start_axrpc, start_python, verdict)

NUMBER = 2
TITLE = "Streaming relay cost"


RELAY_FLAGS = ["--tokens-per-second", "100000", "--ttft-ms", "0", "--prefill-ms-per-chunk", "0",
               "--reply-tokens", "2000"]


def measure(args) -> dict:
    calls = 5 if args.quick else 20
    emulator = Emulator("fig2-emulator", RELAY_FLAGS)
    axrpc = start_axrpc("fig2-axrpc", "--attach", "--runtime-url", emulator.url, *SHARED_RUNTIME)
    python = start_python("fig2-python", emulator.url)
    targets = {"direct": None, "axrpc": axrpc, "python": python}
    # An A/B against another build (say main's) in the same run: AXRPC_BASELINE_SERVER=path/to/axrpc-server.
    baseline = baseline_axrpc("fig2-baseline", "--attach", "--runtime-url", emulator.url, *SHARED_RUNTIME)
    if baseline:
        targets["baseline"] = baseline
    runs: dict = {name: [] for name in targets}
    try:
        for r in range(args.rounds):
            for name in rotated(list(targets), r):
                server = targets[name]
                emulator.reset_state()
                tokens_before = emulator.state()["total_generated_tokens"]
                server_cpu = thread_cpu_seconds(server.pid) if server else 0.0
                switches = context_switches(server.pid) if server else 0
                emulator_cpu = cpu_seconds(emulator.pid)
                if server:
                    results, client_cpu = run_stream_client("grpc", server.address, calls)
                else:
                    results, client_cpu = run_stream_client("direct", f"127.0.0.1:{emulator.port}", calls)
                server_cpu = (thread_cpu_seconds(server.pid) - server_cpu) if server else float("nan")
                switches = (context_switches(server.pid) - switches) if server else float("nan")
                emulator_cpu = cpu_seconds(emulator.pid) - emulator_cpu
                tokens = emulator.state()["total_generated_tokens"] - tokens_before
                window_s = sum(x["last_ms"] - x["first_ms"] for x in results) / 1000
                call_s = sum(x["done_ms"] for x in results) / 1000
                total_bytes = sum(x["bytes"] for x in results)
                run = {"bytes_per_s": total_bytes / window_s, "deltas_per_s": sum(x["deltas"] for x in results) / window_s,
                       "call_bytes_per_s": total_bytes / call_s, "tokens": tokens, "bytes": total_bytes,
                       "server_cpu_per_1k": server_cpu / tokens * 1000, "client_cpu_per_1k": client_cpu / tokens * 1000,
                       "emulator_cpu_per_1k": emulator_cpu / tokens * 1000,
                       "tokens_per_s": tokens / window_s,
                       "switches_per_delta": switches / max(1, sum(x["deltas"] for x in results))}
                runs[name].append(run)
                print(f"  fig2 round {r + 1} {name}: {run['bytes_per_s'] / 1000:.0f} kB/s "
                      f"{run['deltas_per_s']:.0f} deltas/s server {run['server_cpu_per_1k'] * 1000:.1f} ms CPU/1k tok "
                      f"client {run['client_cpu_per_1k'] * 1000:.1f} ms/1k", flush=True)
    finally:
        if targets.get("baseline"):
            targets["baseline"].stop()
        python.stop()
        axrpc.stop()
        emulator.stop()
    return {"calls": calls, "runs": runs}


def render(data: dict, rounds: int) -> list[str]:
    runs = data["runs"]
    calls = data["calls"]

    def m(name: str, key: str) -> float:
        return med([x[key] for x in runs[name]])

    lines = heading(NUMBER, TITLE) + [
        f"Emulator: `axllm-emulator --port 0 {' '.join(RELAY_FLAGS)}`. Targets, each running {calls} sequential "
        "calls per round with the same prompt: **direct** = `bench/out/cpp/stream_client direct 127.0.0.1:EMU_PORT "
        f"{calls} PROMPT` (the runtime protocol itself over keep-alive HTTP/1.1: reset, generate, poll again at "
        "once after text, 1 ms after an empty poll); **axrpc** = `axrpc-server --attach --runtime-url "
        f"http://127.0.0.1:EMU_PORT` driven by `bench/out/cpp/stream_client grpc 127.0.0.1:PORT {calls} PROMPT` "
        "(grpc++ client, Generate); **python** = `bench/anchors/python/anchor_server.py --runtime-url ...` (grpcio aio "
        "+ `requests`, the naive proxy) driven by the same client. Throughput counts text bytes and deltas from each "
        "call's first delta to its last; `per call` includes reset and start (request to end of call). "
        "Tokens = the emulator's `total_generated_tokens` difference; relay CPU = time on a CPU of every relay "
        "thread (/proc/PID/task/*/schedstat, ns), emulator CPU = utime+stime from /proc/PID/stat (10 ms ticks), "
        f"before/after. {rounds} interleaved rounds, median (min–max).",
        "",
        "| target | text kB/s | deltas/s | per call kB/s | decode tok/s seen | relay CPU ms / 1k tokens | relay ctx switches / delta | client CPU ms / 1k | emulator CPU ms / 1k |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in runs:
        rows = runs[name]
        relay = "(no relay)" if name == "direct" else spread([x["server_cpu_per_1k"] * 1000 for x in rows], 1)
        switches = "" if name == "direct" else spread([x["switches_per_delta"] for x in rows], 1)
        lines.append(f"| {name} | {spread([x['bytes_per_s'] / 1000 for x in rows], 1)} | "
                     f"{spread([x['deltas_per_s'] for x in rows])} | {spread([x['call_bytes_per_s'] / 1000 for x in rows], 1)} | "
                     f"{spread([x['tokens_per_s'] for x in rows])} | {relay} | {switches} | "
                     f"{spread([x['client_cpu_per_1k'] * 1000 for x in rows], 1)} | "
                     f"{spread([x['emulator_cpu_per_1k'] * 1000 for x in rows], 1)} |")
    vs_direct = ratio(m("axrpc", "bytes_per_s"), m("direct", "bytes_per_s"))
    vs_python = ratio(m("axrpc", "bytes_per_s"), m("python", "bytes_per_s"))
    cpu_vs_python = ratio(m("axrpc", "server_cpu_per_1k"), m("python", "server_cpu_per_1k"))
    per_call_direct = ratio(m("axrpc", "call_bytes_per_s"), m("direct", "call_bytes_per_s"))
    per_call_python = ratio(m("axrpc", "call_bytes_per_s"), m("python", "call_bytes_per_s"))
    lines += [
        "",
        f"Ratios (medians): axrpc / direct throughput **{vs_direct:.2f}x** (per call {per_call_direct:.2f}x); "
        f"axrpc / python throughput **{vs_python:.2f}x** (per call {per_call_python:.2f}x); "
        f"axrpc / python relay CPU per token **{cpu_vs_python:.2f}x** "
        f"(python / axrpc = {ratio(1, cpu_vs_python):.1f}x).",
        "",
        f"Goal (a) >= 0.95x the direct client's throughput: {vs_direct:.2f}x {verdict(vs_direct >= 0.95)}.",
        f"Goal (b) >= 5x the Python proxy's throughput: {vs_python:.2f}x {verdict(vs_python >= 5)}; "
        f"at <= 1/5 of its CPU per token: {cpu_vs_python:.2f}x {verdict(cpu_vs_python <= 0.2)}.",
        "",
        f"Throughput here is the emulator's decode rate (the direct client, with no relay, sees "
        f"{m('direct', 'tokens_per_s'):,.0f} tokens/s): no relay can deliver more than the runtime makes, so the "
        "throughput ratio to the Python proxy stays near 1 on this machine and the relay's own cost is its CPU per token.",
        "",
    ]
    return lines

