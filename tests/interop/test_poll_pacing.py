"""Poll pacing and idle-time preparation end to end (grpcio -> axrpc-server -> built-in emulator
at 4.5 tokens/s, the NPU's rate). Behavioural bounds only; the exact figures come from
`python3 tests/interop/pacing_support.py` (bench/).

* Once the bridge knows the runtime's chunk cadence, it polls at most 5 times per delivered chunk
  (it polled ~200 times before pacing), and no chunk waits in the runtime much longer than the
  dense poll interval.
* A reply of 3 tokens after the think block (figure 3 of BENCHMARKS.md) has its first visible
  chunk taken about as soon as its think-block chunk: the reply's last flush, two tokens after it,
  must not teach the pacer a wrong interval (it once made that chunk wait ~150 ms every call).
* After a Generate the runtime is reset to the default system prompt while the server is idle:
  the next Generate posts no reset of its own. After a Chat the conversation is kept.
"""

import grpc

from interop_helpers import poll_until
from pacing_support import HARDWARE_LIKE, summarize

# Shorter prefill and reset than the hardware profile (the cadence is what matters here).
PACED = f"{HARDWARE_LIKE} --prefill-ms-per-chunk 300 --reset-ms 300 --reply-tokens 27"


def settled(bridge):
    def probe():
        state = bridge.state()
        return state if not state["busy"] and state["worker_state"] == "idle" else None
    return poll_until(probe, 30, "the emulator idle")


def test_polls_per_chunk_and_chunk_latency_at_npu_speed(bridge_factory):
    bridge = bridge_factory(PACED, "--idle-reset", "true", fast=False)
    # The first calls teach the bridge the cadence and the prefill time.
    for index in range(2):
        warm = bridge.generate(f"Teach the cadence, {index}.", timeout=60)
        assert warm.code == grpc.StatusCode.OK, warm.describe()
        settled(bridge)
    bridge.reset_state()
    for index in range(2):
        outcome = bridge.generate(f"Paced call number {index}.", timeout=60)
        assert outcome.code == grpc.StatusCode.OK, outcome.describe()
        settled(bridge)
    records = [r for r in bridge.state()["generations"] if r["outcome"] == "eos"]
    assert len(records) == 2, records
    figures = summarize(records)
    assert figures["chunks"] >= 16, figures
    assert figures["polls_per_chunk"] <= 5, figures
    # Loose: the dense interval is 5 ms; a loaded machine adds its own delays.
    assert figures["latency_p50_ms"] <= 25, figures
    assert figures["latency_max_ms"] <= 250, figures


def test_a_short_replys_first_visible_chunk_is_taken_on_time(bridge_factory):
    bridge = bridge_factory("--tokens-per-second 4.5 --ttft-ms 0 --prefill-ms-per-chunk 0 --reply-tokens 3",
                            "--idle-reset", "false", fast=False)
    for index in range(8):
        outcome = bridge.generate(f"Short reply number {index}.", timeout=60)
        assert outcome.code == grpc.StatusCode.OK, outcome.describe()
        settled(bridge)
    records = [r for r in bridge.state()["generations"] if r["outcome"] == "eos"][-5:]
    # Chunks: the think block's, the first visible one 3 tokens (~667 ms) later, and the tail.
    assert all(len(r["chunks"]) == 3 for r in records), records
    waits = sorted(r["chunks"][1]["drained_ms"] - r["chunks"][1]["queued_ms"] for r in records)
    # The median of 5 calls after 3 that teach the cadence: a few ms when paced on the grid; the
    # bound is generous for a loaded machine (the lost grid cost ~150 ms on every call).
    assert waits[2] <= 40, waits


def test_an_idle_server_has_the_runtime_reset_before_the_next_generate(bridge_factory):
    bridge = bridge_factory("", "--idle-reset", "true")
    first = bridge.generate("First.")
    assert first.code == grpc.StatusCode.OK, first.describe()
    poll_until(lambda: [c for c in bridge.state()["calls"] if c["kind"] == "reset"][1:] or None, 10,
               "the idle-time reset")
    settled(bridge)
    bridge.reset_state()
    second = bridge.generate("Second.")
    assert second.code == grpc.StatusCode.OK, second.describe()
    calls = [c["kind"] for c in bridge.state()["calls"] if c["status"] == 200]
    assert calls[:1] == ["generate"], f"the Generate reset again: {calls}"
    assert bridge.state()["generations"][-1]["system_prompt"], "it ran on the prepared system prompt"


def test_an_idle_server_keeps_a_chats_conversation(bridge_factory):
    bridge = bridge_factory("", "--idle-reset", "true")
    pb2 = bridge.pb2
    first = bridge.chat([pb2.ChatMessage(role=pb2.ROLE_USER, content="Hello.")])
    assert first.code == grpc.StatusCode.OK, first.describe()
    settled(bridge)
    bridge.reset_state()
    second = bridge.chat([pb2.ChatMessage(role=pb2.ROLE_USER, content="Hello."),
                          pb2.ChatMessage(role=pb2.ROLE_ASSISTANT, content=first.text),
                          pb2.ChatMessage(role=pb2.ROLE_USER, content="More.")])
    assert second.code == grpc.StatusCode.OK, second.describe()
    assert second.done.context_reused is True, second.done
    assert [c["kind"] for c in bridge.state()["calls"]] == ["generate"], bridge.state()["calls"]
