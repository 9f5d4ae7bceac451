"""Figure 9: what one relayed delta costs the relay process: context switches of all its threads and
CPU per token over one long generation with the emulator's instant timing, axrpc against the naive
Python proxy."""

from __future__ import annotations

from pathlib import Path

from .common import (baseline_axrpc, heading, Emulator, thread_cpu_seconds, med, ratio, rotated, run_stream_client, spread,
                     SHARED_RUNTIME, start_axrpc, start_python, verdict)

NUMBER = 9
TITLE = "Context switches per relayed delta and relay CPU per token"


def flags(reply_tokens: int) -> list[str]:
    return ["--profile", "instant", "--reply-tokens", str(reply_tokens)]


def thread_switches(pid: int) -> dict[str, tuple[str, int, int]]:
    """Voluntary and involuntary context switches of each live thread, by thread id, with its name."""
    threads = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            counts = {line.split(":")[0]: int(line.split()[1]) for line in (task / "status").read_text().splitlines()
                      if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:"))}
        except OSError:
            continue
        threads[task.name] = (name, counts["voluntary_ctxt_switches"], counts["nonvoluntary_ctxt_switches"])
    return threads


def switches_by_kind(before: dict, after: dict) -> dict[str, int]:
    """The switches between two snapshots: voluntary (a thread went to sleep) and involuntary (it was
    preempted), and those of the NIO event loop threads against all other threads (Swift's cooperative
    pool, NIO's singleton and blocking pools, Python's threads)."""
    kinds = {"voluntary": 0, "involuntary": 0, "loops": 0}
    for tid, (name, voluntary, involuntary) in after.items():
        _, voluntary_before, involuntary_before = before.get(tid, (name, 0, 0))
        kinds["voluntary"] += voluntary - voluntary_before
        kinds["involuntary"] += involuntary - involuntary_before
        if name.startswith("NIO-ELT"):
            kinds["loops"] += voluntary - voluntary_before + involuntary - involuntary_before
    return kinds


def measure(args) -> dict:
    reply = 5000 if args.quick else 40000
    emulator = Emulator("fig9-emulator", flags(reply))
    relay_flags = ("--attach", "--runtime-url", emulator.url, *SHARED_RUNTIME)
    targets = {"axrpc": start_axrpc("fig9-axrpc", *relay_flags),
               "python": start_python("fig9-python", emulator.url)}
    # An A/B against another build (say main's) in the same run: AXRPC_BASELINE_SERVER=path/to/axrpc-server.
    baseline = baseline_axrpc("fig9-baseline", *relay_flags)
    if baseline:
        targets["baseline"] = baseline
    runs: dict = {name: [] for name in targets}
    try:
        for r in range(args.rounds):
            for name in rotated(list(targets), r):
                server = targets[name]
                emulator.reset_state()
                state = emulator.state()
                tokens_before, polls_before = state["total_generated_tokens"], state["polls"]
                threads, cpu = thread_switches(server.pid), thread_cpu_seconds(server.pid)
                results, _ = run_stream_client("grpc", server.address, 1)
                kinds = switches_by_kind(threads, thread_switches(server.pid))
                switches, loops = kinds["voluntary"] + kinds["involuntary"], kinds["loops"]
                cpu = thread_cpu_seconds(server.pid) - cpu
                state = emulator.state()
                tokens = state["total_generated_tokens"] - tokens_before
                polls = state["polls"] - polls_before
                deltas = sum(x["deltas"] for x in results)
                run = {"switches": switches, "deltas": deltas, "tokens": tokens, "cpu_s": cpu, "polls": polls,
                       "switches_per_delta": ratio(switches, deltas), "cpu_us_per_token": 1e6 * ratio(cpu, tokens),
                       "tokens_per_delta": ratio(tokens, deltas), "polls_per_delta": ratio(polls, deltas),
                       "switches_per_poll": ratio(switches, polls), "loop_share": ratio(loops, switches),
                       "voluntary_per_delta": ratio(kinds["voluntary"], deltas),
                       "involuntary_per_delta": ratio(kinds["involuntary"], deltas)}
                runs[name].append(run)
                print(f"  fig9 round {r + 1} {name}: {switches} switches / {deltas} deltas = "
                      f"{run['switches_per_delta']:.2f} ({polls} polls, {loops} on loop threads); "
                      f"{run['cpu_us_per_token']:.1f} µs CPU per token", flush=True)
    finally:
        for server in targets.values():
            server.stop()
        emulator.stop()
    return {"reply": reply, "runs": runs}


def render(data: dict, rounds: int) -> list[str]:
    runs = data["runs"]
    lines = heading(NUMBER, TITLE) + [
        f"Emulator: `axllm-emulator --port 0 {' '.join(flags(data['reply']))}` (the emulator stops the reply at "
        "its own length limit: tokens per call below). One Generate per round and target "
        "(`stream_client grpc HOST:PORT 1 PROMPT`) through **axrpc** (`axrpc-server --attach --runtime-url ...`) and "
        "**python** (`bench/anchors/python/anchor_server.py --runtime-url ...`, grpcio aio + `requests`). Context "
        "switches = voluntary + involuntary of every thread of the relay process (the sum over "
        "/proc/PID/task/*/status: /proc/PID/status alone counts only the main thread) before and after the call, "
        "divided by the deltas the client received; CPU = time on a CPU of every thread (/proc/PID/task/*/schedstat, ns) per token "
        "the emulator generated; polls = the emulator's count of `generate_provider` calls (the reset's settling "
        "included); voluntary = a thread went to sleep, involuntary = it was preempted (on 2 cores, mostly by the "
        "emulator or the client it just woke); on loop threads = the share of the switches on NIO event loop threads "
        "(`NIO-ELT-*`), the rest being Swift's cooperative pool and NIO's other threads (or, for python, its "
        "threads). A thread that waits for a poll's answer sleeps once, and once more in the pause before the next "
        f"poll: about 2 voluntary switches per poll is the floor of a paced poller. {rounds} interleaved rounds, "
        "median (min–max).",
        "",
        "| relay | ctx switches per delta | CPU µs per token | tokens per delta | deltas per call | tokens per call "
        "| polls per delta | switches per poll | voluntary per delta | involuntary per delta | on loop threads |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in [n for n in ("axrpc", "baseline", "python") if runs.get(n)]:
        rows = runs[name]
        lines.append(f"| {name} | {spread([x['switches_per_delta'] for x in rows], 2)} | "
                     f"{spread([x['cpu_us_per_token'] for x in rows], 1)} | {spread([x['tokens_per_delta'] for x in rows], 1)} | "
                     f"{spread([x['deltas'] for x in rows])} | {spread([x['tokens'] for x in rows])} | "
                     f"{spread([x.get('polls_per_delta', 0) for x in rows], 2)} | "
                     f"{spread([x.get('switches_per_poll', 0) for x in rows], 2)} | "
                     f"{spread([x.get('voluntary_per_delta', 0) for x in rows], 2)} | "
                     f"{spread([x.get('involuntary_per_delta', 0) for x in rows], 2)} | "
                     f"{spread([100 * x.get('loop_share', 0) for x in rows])} % |")
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
    if switches > 1.5:
        axrpc = runs["axrpc"]
        polls = med([x.get("polls_per_delta", 0) for x in axrpc])
        voluntary = med([x.get("voluntary_per_delta", 0) for x in axrpc])
        involuntary = med([x.get("involuntary_per_delta", 0) for x in axrpc])
        share = med([100 * x.get("loop_share", 0) for x in axrpc])
        lines += [
            f"Why the switch goal is missed, from the columns above: {share:.0f} % of the switches are on the event-loop "
            "thread that runs the whole turn (polls, pauses, relay and the DATA frame), so no thread hop is left to "
            f"remove; they follow the polls: {polls:.2f} polls per delta, each a request the thread sleeps on until the "
            f"runtime answers, plus the pause after an empty poll ({voluntary:.2f} voluntary per delta), and "
            f"{involuntary:.2f} preemptions per delta by the emulator and the client sharing the 2 cores. Next step: "
            "fewer polls per delta (here the reset's settling polls and the empty polls between instant chunks); "
            "the floor is one wait per poll, so 1.5 switches per delta needs about one poll per delta, which only a "
            "runtime that pushes its text (not this protocol) would give.",
            "",
        ]
    return lines
