"""Figure 6: TTFT of a 10th Chat turn that continues the runtime's conversation against one that forces
a reset."""

from __future__ import annotations

import time

from .common import (heading, Emulator, grpc, med, pb, ratio, rpc, spread, start_axrpc)

NUMBER = 6
TITLE = "Chat context reuse (time to first token of the 10th turn)"


CHAT_FLAGS = ["--prefill-ms-per-chunk", "1200", "--tokens-per-second", "50", "--reply-tokens", "20"]
TURNS = [f"Question {i}: tell me one more fact about the number {i}." for i in range(1, 11)]


def chat_turn(stub, messages: list) -> dict:
    start = time.perf_counter()
    first = None
    reply = []
    done = None
    for event in stub.Chat(pb.ChatRequest(messages=messages), timeout=120):
        kind = event.WhichOneof("event")
        if kind == "delta":
            if first is None:
                first = (time.perf_counter() - start) * 1000
            reply.append(event.delta)
        elif kind == "done":
            done = event.done
    return {"ttft_ms": first, "reply": "".join(reply), "reused": done.context_reused,
            "server_ttft_ms": done.timings.time_to_first_token_ms, "total_ms": (time.perf_counter() - start) * 1000}


def measure(args) -> dict:
    repetitions = 1 if args.quick else args.rounds
    emulator = Emulator("fig6-emulator", CHAT_FLAGS)
    server = start_axrpc("fig6-axrpc", "--attach", "--runtime-url", emulator.url)
    runs: dict = {"reuse": [], "reset": []}
    channel = grpc.insecure_channel(server.address)
    stub = rpc.InferenceStub(channel)
    try:
        for r in range(repetitions):
            history: list = []
            for i, text in enumerate(TURNS):
                history.append(pb.ChatMessage(role=pb.ROLE_USER, content=f"[conversation {r}] {text}" if i == 0 else text))
                emulator.reset_state()
                result = chat_turn(stub, history)
                generation = emulator.state()["generations"][-1]
                if i == len(TURNS) - 1:
                    result.update(emulator_ttft_ms=generation["ttft_ms"], prompt_tokens=generation["prompt_tokens"])
                    runs["reuse"].append(result)
                    # The same 10th turn with an edited earlier message: the runtime must reset and re-prefill.
                    edited = list(history)
                    edited[0] = pb.ChatMessage(role=pb.ROLE_USER, content=history[0].content + " (edited)")
                    emulator.reset_state()
                    again = chat_turn(stub, edited)
                    generation = emulator.state()["generations"][-1]
                    again.update(emulator_ttft_ms=generation["ttft_ms"], prompt_tokens=generation["prompt_tokens"])
                    runs["reset"].append(again)
                history.append(pb.ChatMessage(role=pb.ROLE_ASSISTANT, content=result["reply"]))
            print(f"  fig6 repetition {r + 1}: turn 10 reuse {runs['reuse'][-1]['ttft_ms']:.0f} ms "
                  f"(reused={runs['reuse'][-1]['reused']}), reset {runs['reset'][-1]['ttft_ms']:.0f} ms "
                  f"(reused={runs['reset'][-1]['reused']})", flush=True)
    finally:
        channel.close()
        server.stop()
        emulator.stop()
    return {"repetitions": repetitions, "runs": runs}


def render(data: dict, rounds: int = 0) -> list[str]:
    runs = data["runs"]
    lines = heading(NUMBER, TITLE) + [
        f"Emulator: `axllm-emulator --port 0 {' '.join(CHAT_FLAGS)}` (default `--ttft-ms 150`; prefill cost per "
        "128-token chunk as on the AX650), behind `axrpc-server --attach`. A grpcio client holds a 10-turn Chat "
        "conversation (each request = the history so far, with the replies as received); turn 10 is sent as is "
        "(**reuse**: the runtime continues its KV cache) and then once more with the first user message edited "
        "(**forced reset**: reset and re-prefill of the whole history). TTFT = request to first delta at the client; "
        f"NPU prefill = the emulator's own ttft_ms. {data['repetitions']} conversations, median (min–max).",
        "",
        "| turn 10 | context_reused | client TTFT ms | emulator (NPU) TTFT ms | prompt tokens prefilled |",
        "|---|---|---|---|---|",
    ]
    for name, label in (("reuse", "reuse"), ("reset", "forced reset (edited history)")):
        rows = runs[name]
        reused = sorted({str(x["reused"]).lower() for x in rows})
        lines.append(f"| {label} | {', '.join(reused)} | {spread([x['ttft_ms'] for x in rows])} | "
                     f"{spread([x['emulator_ttft_ms'] for x in rows])} | {spread([x['prompt_tokens'] for x in rows])} |")
    saved = med([x["emulator_ttft_ms"] for x in runs["reset"]]) - med([x["emulator_ttft_ms"] for x in runs["reuse"]])
    speedup = ratio(med([x["ttft_ms"] for x in runs["reset"]]), med([x["ttft_ms"] for x in runs["reuse"]]))
    lines += ["", f"Reuse saves **{saved:.0f} ms** of NPU prefill on turn 10 (median); the client sees its first token "
              f"**{speedup:.1f}x** sooner. No numeric goal.", ""]
    return lines

