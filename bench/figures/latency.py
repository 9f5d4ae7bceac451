"""Figure 3: time to first token and decode rate through axrpc against a direct runtime client."""

from __future__ import annotations


from .common import (heading, Emulator, med, percentile, ratio, rotated, run_stream_client, SHARED_RUNTIME, spread, start_axrpc,
                     verdict)

NUMBER = 3
TITLE = "Added latency and decode rate"


def latency_flags(rate: str, reply: int) -> list[str]:
    return ["--tokens-per-second", rate, "--ttft-ms", "0", "--prefill-ms-per-chunk", "0", "--reply-tokens", str(reply)]


def measure(args) -> dict:
    settings = [("4.5", 3), ("200", 100)]
    rounds = max(args.rounds, 5)
    per_run = 2 if args.quick else 10
    if args.quick:
        rounds = 2
    out: dict = {"per_run": per_run, "rounds": rounds, "rates": {}}
    for rate, reply in settings:
        emulator = Emulator(f"fig3-emulator-{rate}", latency_flags(rate, reply))
        axrpc = start_axrpc(f"fig3-axrpc-{rate}", "--attach", "--runtime-url", emulator.url, *SHARED_RUNTIME)
        calls: dict = {"direct": [], "axrpc": []}
        try:
            # One unmeasured call per target first: a fresh server's first turn checks that the
            # runtime it found is idle (100 ms, once per process) and learns the runtime's cadence.
            run_stream_client("direct", f"127.0.0.1:{emulator.port}", 1)
            run_stream_client("grpc", axrpc.address, 1)
            for r in range(rounds):
                for name in rotated(list(calls), r):
                    emulator.reset_state()
                    if name == "direct":
                        results, _ = run_stream_client("direct", f"127.0.0.1:{emulator.port}", per_run)
                    else:
                        results, _ = run_stream_client("grpc", axrpc.address, per_run)
                    generations = emulator.state()["generations"][-per_run:]
                    for result, generation in zip(results, generations):
                        result["emulator_ttft_ms"] = generation["ttft_ms"]
                        result["round"] = r
                    calls[name] += results
                print(f"  fig3 {rate} tok/s round {r + 1}: direct first {med([x['first_ms'] for x in calls['direct']]):.1f} ms, "
                      f"axrpc first {med([x['first_ms'] for x in calls['axrpc']]):.1f} ms", flush=True)
        finally:
            axrpc.stop()
            emulator.stop()
        out["rates"][rate] = {"reply": reply, "calls": calls}
    return out


def render(data: dict, rounds: int = 0) -> list[str]:
    n = data["per_run"] * data["rounds"]
    lines = heading(NUMBER, TITLE) + [
        f"Emulator: `axllm-emulator --port 0 --tokens-per-second RATE --ttft-ms 0 --prefill-ms-per-chunk 0 "
        f"--reply-tokens N` (N = 3 at 4.5 tok/s, 100 at 200 tok/s). {data['rounds']} interleaved rounds of "
        f"{data['per_run']} sequential calls per target ({n} calls each, after one unmeasured call per target: a fresh "
        "server's first turn checks once that the runtime it found is idle, 100 ms): **direct** = `stream_client direct` (reset, "
        "generate, poll at once after text / 1 ms after an empty poll, strip the empty think block like the bridge) "
        "and **axrpc** = `stream_client grpc` through `axrpc-server --attach`. Time to first token (TTFT) = call start "
        "to the first reply text the client gets (after the think block). Overhead = TTFT minus the emulator's own "
        "`generations[-1].ttft_ms` for that call (`/__emulator/state`): reset, busy retries, start delay, the think "
        "block's tokens and the relay. Added = axrpc overhead minus direct overhead, at p50 and p99 over all calls. "
        "Decode ratio = direct's median first-to-last-text time / axrpc's (same tokens: >1 means axrpc delivered faster). "
        "The two percentiles come from separate sets of calls, so an added p99 can come out negative (noise of the "
        "direct client's own tail). The direct client mirrors axrpc's BridgeTuning (busy-retry schedule) except "
        "its poll interval: 1 ms after an empty poll.",
        "",
        "| rate | target | TTFT p50 ms | TTFT p99 ms | overhead p50 ms | overhead p99 ms | first→last text p50 ms | per-round overhead p50 (min–max) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    goal_lines = []
    for rate, entry in data["rates"].items():
        calls = entry["calls"]
        over = {}
        for name, results in calls.items():
            over[name] = [x["first_ms"] - x["emulator_ttft_ms"] for x in results]
            windows = [x["last_ms"] - x["first_ms"] for x in results]
            rounds = sorted({x["round"] for x in results})
            per_round = [med([x["first_ms"] - x["emulator_ttft_ms"] for x in results if x["round"] == r]) for r in rounds]
            lines.append(f"| {rate} tok/s | {name} | {percentile([x['first_ms'] for x in results], 50):.1f} | "
                         f"{percentile([x['first_ms'] for x in results], 99):.1f} | {percentile(over[name], 50):.1f} | "
                         f"{percentile(over[name], 99):.1f} | {percentile(windows, 50):.1f} | {spread(per_round, 1)} |")
        added50 = percentile(over["axrpc"], 50) - percentile(over["direct"], 50)
        added99 = percentile(over["axrpc"], 99) - percentile(over["direct"], 99)
        decode = ratio(med([x["last_ms"] - x["first_ms"] for x in calls["direct"]]),
                       med([x["last_ms"] - x["first_ms"] for x in calls["axrpc"]]))
        goal_lines.append(f"At {rate} tok/s: added p50 **{added50:.1f} ms** (goal <= 15) {verdict(added50 <= 15)}, "
                          f"added p99 **{added99:.1f} ms** (goal <= 30) {verdict(added99 <= 30)}, decode ratio "
                          f"**{decode:.3f}** (goal >= 0.99) {verdict(decode >= 0.99)}.")
    lines.append("")
    for line in goal_lines:
        lines += [line, ""]
    return lines

