"""Figure 8: runtime polls per delivered chunk of text and the latency a chunk sees from the moment
the runtime queued it to the moment the client has it, at the hardware decode rate, through axrpc and
through a direct client that polls every 1 ms.

What it reads from the emulator's per-generation records (`/__emulator/state` -> `generations[]`):
`polls` (provider polls answered for that generation) and `chunks[]` with `queued_unix_ms` (wall-clock
time, ms since the epoch, at which each text chunk was pushed to the polled queue) and `bytes` (its UTF-8
length), besides `tokens`. Where a record lacks `polls`, the emulator's global `polls`
counter over the block is used (it counts every poll of the call); where it lacks the chunk times, the
latency columns say n/a.
"""

from __future__ import annotations

import math

from .common import heading, Emulator, percentile, ratio, rotated, run_stream_client, start_axrpc, verdict

NUMBER = 8
TITLE = "Polls per delivered chunk and added chunk latency (4.5 tok/s)"
FIELDS = ("polls", "chunk_queued_unix_ms", "chunk_bytes")


def with_chunk_times(generation: dict) -> dict:
    """The record with its `chunks[]` timings as the two flat lists this figure reads."""
    chunks = generation.get("chunks")
    if not chunks or not all("queued_unix_ms" in c and "bytes" in c for c in chunks):
        return generation
    return dict(generation, chunk_queued_unix_ms=[c["queued_unix_ms"] for c in chunks],
                chunk_bytes=[c["bytes"] for c in chunks])


def flags(reply_tokens: int) -> list[str]:
    return ["--profile", "hardware", "--reply-tokens", str(reply_tokens)]


def chunk_latencies(result: dict, generation: dict) -> list[float] | None:
    """Queued -> received of every delivered chunk of one call (ms), or None without chunk times.

    A client arrival may carry several chunks; a chunk is received with the first arrival that
    brings the client's byte count past the chunk's end. The gRPC client never sees the empty think
    block the bridge strips, so its byte count starts where the runtime's queue had that many more."""
    queued = generation.get("chunk_queued_unix_ms")
    if not queued:
        return None
    sizes = generation.get("chunk_bytes") or [None] * len(queued)
    arrivals, arrived_bytes = result.get("text_unix_ms", []), result.get("text_bytes", [])
    if None in sizes:  # without sizes: one arrival per chunk, in order (true at this rate when nothing is batched)
        return [a - q for q, a in zip(queued[-len(arrivals):], arrivals)] if arrivals else []
    skipped = sum(sizes) - sum(arrived_bytes)
    latencies, end, received, i = [], 0, skipped, 0
    for q, size in zip(queued, sizes):
        end += size
        if end <= skipped:
            continue  # all inside the stripped think block: this client never gets it
        while i < len(arrivals) and received < end:
            received += arrived_bytes[i]
            i += 1
        if received < end:
            break
        latencies.append(arrivals[i - 1] - q)
    return latencies


def measure(args) -> dict:
    calls = 1 if args.quick else 3
    reply = 12 if args.quick else 30
    emulators = {"direct": Emulator("fig8-emulator-direct", flags(reply)),
                 "axrpc": Emulator("fig8-emulator-axrpc", flags(reply))}
    axrpc = start_axrpc("fig8-axrpc", "--attach", "--runtime-url", emulators["axrpc"].url)
    runs: dict = {name: {"polls": [], "chunks": [], "latencies": [], "chunk_times": True, "fields_seen": []}
                  for name in emulators}
    def call(name: str, count: int) -> list[dict]:
        if name == "direct":
            return run_stream_client("direct", f"127.0.0.1:{emulators[name].port}", count, "--times")[0]
        return run_stream_client("grpc", axrpc.address, count, "--times")[0]

    first: dict = {}
    try:
        # The first call of a fresh server is where axrpc learns the cadence (it remembers it for
        # the life of the process): measured on its own, not pooled with the rounds.
        for name, emulator in emulators.items():
            emulator.reset_state()
            call(name, 1)
            generation = with_chunk_times(emulator.state()["generations"][-1])
            first[name] = {"polls": generation.get("polls", 0),
                           "chunks": len(generation.get("chunk_queued_unix_ms") or []) or math.ceil(generation["tokens"] / 3)}
        for r in range(args.rounds):
            for name in rotated(list(emulators), r):
                emulator = emulators[name]
                emulator.reset_state()
                results = call(name, calls)
                state = emulator.state()
                generations = [with_chunk_times(g) for g in state["generations"][-calls:]]
                run = runs[name]
                seen = sorted({field for g in generations for field in FIELDS if field in g})
                run["fields_seen"] = sorted(set(run["fields_seen"]) | set(seen))
                if generations and all("polls" in g for g in generations):
                    polls = sum(g["polls"] for g in generations)
                else:
                    polls = state["polls"]
                chunks = sum(len(g["chunk_queued_unix_ms"]) if g.get("chunk_queued_unix_ms") is not None
                             else math.ceil(g["tokens"] / 3) for g in generations)
                run["polls"].append(polls)
                run["chunks"].append(chunks)
                for result, generation in zip(results, generations):
                    latencies = chunk_latencies(result, generation)
                    if latencies is None:
                        run["chunk_times"] = False
                    else:
                        run["latencies"] += latencies
                print(f"  fig8 round {r + 1} {name}: {polls} polls for {chunks} chunks "
                      f"({ratio(polls, chunks):.1f} per chunk), chunk latency p50 "
                      f"{percentile(run['latencies'], 50):.1f} ms", flush=True)
    finally:
        axrpc.stop()
        for emulator in emulators.values():
            emulator.stop()
    return {"calls": calls, "reply": reply, "runs": runs, "first": first}


def render(data: dict, rounds: int) -> list[str]:
    runs = data["runs"]

    def latency(name: str, q: float) -> float:
        run = runs[name]
        return percentile(run["latencies"], q) if run["chunk_times"] and run["latencies"] else float("nan")

    def cell(value: float, digits: int = 1) -> str:
        return "n/a" if value != value else f"{value:.{digits}f}"

    lines = heading(NUMBER, TITLE) + [
        f"Emulator: `axllm-emulator --port 0 {' '.join(flags(data['reply']))}` (4.5 tok/s; the runtime queues text "
        "every 3 tokens, ~0.67 s apart), one per target. Per round and target "
        f"{data['calls']} sequential Generate calls: **direct** = `stream_client direct ... --times` (reset, generate, "
        "poll again at once after text, 1 ms after an empty poll) and **axrpc** = `stream_client grpc ... --times` "
        "through `axrpc-server --attach`. Polls = the emulator's per-generation `polls` where its records have it, "
        "else its global `polls` counter over the block; chunks = the length of the record's `chunks`, "
        "else tokens / 3 rounded up. Chunk latency = the client's wall-clock arrival time of the text that completes "
        "a chunk (`text_unix_ms`, `text_bytes`) minus the record's `chunks[].queued_unix_ms` for it (same host, same "
        "clock); chunks inside the stripped empty think block are not counted. Added = axrpc minus direct at the "
        f"same percentile. Record fields seen: direct {', '.join(runs['direct']['fields_seen']) or 'none'}; axrpc "
        f"{', '.join(runs['axrpc']['fields_seen']) or 'none'}. Each server's first call comes before the rounds and is "
        "reported on its own (axrpc learns the runtime's cadence there and keeps it for the life of the process). "
        f"{rounds} interleaved rounds, all chunks pooled.",
        "",
        "| target | polls | chunks | polls per chunk | chunk latency p50 ms | chunk latency p99 ms | chunks timed |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("direct", "axrpc"):
        run = runs[name]
        lines.append(f"| {name} | {sum(run['polls'])} | {sum(run['chunks'])} | "
                     f"{ratio(sum(run['polls']), sum(run['chunks'])):.1f} | {cell(latency(name, 50))} | "
                     f"{cell(latency(name, 99))} | {len(run['latencies']) if run['chunk_times'] else 'n/a'} |")
    first = data.get("first")
    if first:
        lines += ["", "First call of a fresh server (not in the rounds): " + "; ".join(
            f"{name} {first[name]['polls']} polls for {first[name]['chunks']} chunks "
            f"({ratio(first[name]['polls'], first[name]['chunks']):.1f} per chunk)" for name in ("direct", "axrpc")
            if name in first) + "."]
    per_chunk = ratio(sum(runs["axrpc"]["polls"]), sum(runs["axrpc"]["chunks"]))
    added50 = latency("axrpc", 50) - latency("direct", 50)
    added99 = latency("axrpc", 99) - latency("direct", 99)
    lines += [
        "",
        f"Goal: at most 5 polls per delivered chunk (a running server, its first call apart): {per_chunk:.1f} "
        f"{verdict(per_chunk <= 5)}.",
        "",
    ]
    if added50 == added50:
        lines += [f"Goal: added chunk latency p50 <= 10 ms: **{added50:.1f} ms** {verdict(added50 <= 10)}; "
                  f"p99 <= 25 ms: **{added99:.1f} ms** {verdict(added99 <= 25)}.", ""]
    else:
        lines += ["Goal: added chunk latency p50 <= 10 ms and p99 <= 25 ms: n/a (the emulator's records have no "
                  "`chunks[].queued_unix_ms`).", ""]
    return lines
