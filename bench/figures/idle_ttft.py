"""Figure 7: time to first token of a Generate that arrives at an idle server, with the emulator's
hardware timing (a reset costs as much as a prefill chunk there), against a direct runtime client that
resets before every generation."""

from __future__ import annotations

import time

from .common import heading, Emulator, med, percentile, ratio, rotated, run_stream_client, spread, start_axrpc, verdict

NUMBER = 7
TITLE = "Idle-time TTFT (a Generate arriving at an idle server, hardware timing)"
FLAGS = ["--profile", "hardware", "--reply-tokens", "3"]
RESET_MS = 1200  # the hardware profile's reset time (TimingProfile.hardware)


def measure(args) -> dict:
    calls = 2 if args.quick else 4
    gap_s = 3.0  # longer than the profile's reset: a background reset has finished when the next call comes
    # One emulator per target: the direct client's resets must not prepare the runtime for axrpc's calls.
    emulators = {"direct": Emulator("fig7-emulator-direct", FLAGS), "axrpc": Emulator("fig7-emulator-axrpc", FLAGS)}
    axrpc = start_axrpc("fig7-axrpc", "--attach", "--runtime-url", emulators["axrpc"].url)
    runs: dict = {name: [] for name in emulators}
    try:
        for r in range(args.rounds):
            for name in rotated(list(emulators), r):
                emulator = emulators[name]
                time.sleep(gap_s)
                emulator.reset_state()
                if name == "direct":
                    results, _ = run_stream_client("direct", f"127.0.0.1:{emulator.port}", calls,
                                                   "--gap-ms", str(int(gap_s * 1000)))
                else:
                    results, _ = run_stream_client("grpc", axrpc.address, calls, "--gap-ms", str(int(gap_s * 1000)))
                state = emulator.state()
                generations = state["generations"][-calls:]
                for result, generation in zip(results, generations):
                    result["emulator_ttft_ms"] = generation["ttft_ms"]
                    result["round"] = r
                runs[name] += results
                # Resets the runtime received during the block, per Generate (background ones included).
                runs.setdefault(f"{name}_resets_per_call", []).append(state["resets"] / max(1, calls))
                print(f"  fig7 round {r + 1} {name}: TTFT {med([x['first_ms'] for x in results]):.0f} ms, "
                      f"emulator ttft {med([x['emulator_ttft_ms'] for x in results]):.0f} ms, "
                      f"{state['resets']} resets", flush=True)
    finally:
        axrpc.stop()
        for emulator in emulators.values():
            emulator.stop()
    return {"calls": calls, "gap_s": gap_s, "runs": runs}


def render(data: dict, rounds: int) -> list[str]:
    runs = data["runs"]
    lines = heading(NUMBER, TITLE) + [
        f"Emulator: `axllm-emulator --port 0 {' '.join(FLAGS)}` (4.5 tok/s, 150 ms + 1,200 ms per prefill chunk, "
        f"{RESET_MS:,} ms reset), one per target. Each round, per target, {data['calls']} sequential Generate calls, "
        f"each sent {data['gap_s']:.0f} s after the previous one ended (and the first {data['gap_s']:.0f} s after the "
        "previous block), so each arrives at an idle server: **direct** = `stream_client direct ... --gap-ms "
        f"{int(data['gap_s'] * 1000)}` (reset, then generate: a reset on every call's critical path); **axrpc** = "
        "`stream_client grpc` through `axrpc-server --attach`. TTFT = call start to the first reply text at the "
        "client; overhead = TTFT minus the emulator's own `ttft_ms` of that generation (prefill and first token); "
        f"resets = the emulator's `resets` counter per Generate over the block. {rounds} interleaved rounds.",
        "",
        "| target | TTFT p50 ms | TTFT max ms | emulator ttft p50 ms | overhead p50 ms | overhead max ms | resets per Generate |",
        "|---|---|---|---|---|---|---|",
    ]
    over = {}
    for name in ("direct", "axrpc"):
        rows = runs.get(name, [])
        over[name] = [x["first_ms"] - x["emulator_ttft_ms"] for x in rows if x.get("emulator_ttft_ms") is not None]
        lines.append(f"| {name} | {percentile([x['first_ms'] for x in rows], 50):.0f} | "
                     f"{max([x['first_ms'] for x in rows], default=float('nan')):.0f} | "
                     f"{percentile([x['emulator_ttft_ms'] for x in rows], 50):.0f} | {percentile(over[name], 50):.0f} | "
                     f"{max(over[name], default=float('nan')):.0f} | {spread(runs.get(f'{name}_resets_per_call', []), 2)} |")
    direct_p50 = percentile([x["first_ms"] for x in runs["direct"]], 50)
    axrpc_p50 = percentile([x["first_ms"] for x in runs["axrpc"]], 50)
    saved = direct_p50 - axrpc_p50
    lines += [
        "",
        f"Ratio (p50): axrpc / direct TTFT **{ratio(axrpc_p50, direct_p50):.2f}x**. Both include the same prefill "
        "and the empty think block's tokens; the direct client also waits for its reset, so the difference is what "
        "preparing the runtime before the request arrives saves.",
        "",
        f"Goal: no reset on the critical path of a Generate at an idle server (axrpc's TTFT p50 at least half the "
        f"{RESET_MS:,} ms reset below the direct client's): {saved:.0f} ms below it {verdict(saved >= RESET_MS / 2)}.",
        "",
    ]
    return lines
