"""The bridge's flow control against the built-in emulator: the bounded queue (queued events,
RESOURCE_EXHAUSTED with a retry pushback), deadlines and cancellation stopping the runtime,
and WatchHealth following the load."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc

from interop_helpers import consume_stream, poll_until

# 44 tokens (4 think-prefix + 40 body) at 40 tokens/s: about 1.1 s per reply.
SLOW = "--tokens-per-second 40"


def stops_at_least(bridge, count: int):
    def probe():
        state = bridge.state()
        return state if state["stops"] >= count else None
    return probe


# --------------------------------------------------------------------------------------------
# 4. The queue


def test_queue_full_rejects_at_once_with_retry_pushback(bridge_factory):
    bridge = bridge_factory(SLOW, "--queue-capacity", "2")
    pb2 = bridge.pb2
    assert bridge.health().queue_capacity == 2

    # All six are sent before any result is read.
    calls = []
    for index in range(6):
        started = time.monotonic()
        calls.append((bridge.stub.Generate(pb2.GenerateRequest(prompt=f"Request number {index}."),
                                           timeout=30), started))
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda pair: consume_stream(*pair), calls))

    report = "\n".join(f"#{i}: {o.describe()}" for i, o in enumerate(outcomes))
    ok = [o for o in outcomes if o.code == grpc.StatusCode.OK]
    rejected = [o for o in outcomes if o.code == grpc.StatusCode.RESOURCE_EXHAUSTED]
    assert len(ok) == 3 and len(rejected) == 3, f"want 3 OK and 3 RESOURCE_EXHAUSTED\n{report}"

    for outcome in rejected:
        assert outcome.elapsed < 1.0, f"a rejection took {outcome.elapsed:.3f} s\n{report}"
        assert not outcome.events, f"a rejected call got events\n{report}"
        pushback = outcome.trailing_metadata.get("grpc-retry-pushback-ms")
        assert pushback is not None, (f"no grpc-retry-pushback-ms in the trailers "
                                      f"{outcome.trailing_metadata}\n{report}")
        assert pushback.isdigit() and int(pushback) > 0, f"pushback {pushback!r}"
        assert "queue" in outcome.details.lower(), outcome.details

    for outcome in ok:
        assert outcome.done is not None and outcome.done.finish_reason == pb2.FINISH_REASON_STOP, report
        assert outcome.text, report
    # The one that ran at once was never queued; the two others were, with positions.
    queued = [o for o in ok if o.queued]
    assert len(queued) == 2, f"want 2 calls with queued events\n{report}"
    for outcome in queued:
        assert outcome.events[0].WhichOneof("event") == "queued", f"queued is not the first event\n{report}"
        for status in outcome.queued:
            assert 1 <= status.position <= 2, f"position {status}\n{report}"
            assert 1 <= status.queue_depth <= 2, f"queue_depth {status}\n{report}"
            assert status.position <= status.queue_depth, f"{status}\n{report}"
        # Every call reaches position 1 before it runs.
        assert outcome.queued[-1].position == 1, f"{outcome.queued}\n{report}"
        assert outcome.done.timings.queue_ms > 0, outcome.done
    positions = sorted(o.queued[0].position for o in queued)
    assert positions == [1, 2], f"first positions {positions}\n{report}"
    # The runtime ran the three accepted requests one after another.
    state = bridge.state()
    assert sum(1 for c in state["calls"] if c["kind"] == "generate" and c["status"] == 200) == 3, state["calls"]
    assert bridge.health().queue_depth == 0


# --------------------------------------------------------------------------------------------
# 5. Deadlines, 6. cancellation


def test_deadline_stops_the_runtime_and_the_next_call_succeeds(bridge_factory):
    bridge = bridge_factory(SLOW)
    pb2 = bridge.pb2
    bridge.reset_state()

    outcome = bridge.generate("A long answer, please.", timeout=0.3)
    assert outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED, outcome.describe()
    assert outcome.elapsed < 0.3 + 2.0, outcome.describe()
    state = poll_until(stops_at_least(bridge, 1), 5, "the emulator to receive a stop after the deadline")
    assert state["generate_calls"] >= 1, state

    following = bridge.generate("And now a normal one.", timeout=30)
    assert following.code == grpc.StatusCode.OK, following.describe() + "\n" + bridge.describe()
    assert following.done.finish_reason == pb2.FINISH_REASON_STOP, following.done
    assert following.text
    generations = bridge.state()["generations"]
    assert [g["outcome"] for g in generations] == ["stopped", "eos"], generations


def test_cancel_after_first_delta_stops_the_runtime_within_a_second(bridge_factory):
    bridge = bridge_factory(SLOW)
    pb2 = bridge.pb2
    bridge.reset_state()

    call = bridge.stub.Generate(pb2.GenerateRequest(prompt="Keep talking."), timeout=30)
    first_delta = None
    for event in call:
        if event.WhichOneof("event") == "delta":
            first_delta = event.delta
            break
    assert first_delta, "no delta before the end of the stream"
    call.cancel()
    cancelled_at = time.monotonic()

    poll_until(stops_at_least(bridge, 1), 1.0, "the emulator to receive a stop within 1 s of the cancel")
    stop_seen_after = time.monotonic() - cancelled_at
    assert call.code() == grpc.StatusCode.CANCELLED
    # The runtime ended the generation (stopped), it did not run to its end.
    state = poll_until(lambda: (lambda s: s if s["generations"] and not s["busy"] else None)(bridge.state()),
                       5, "the emulator to be idle")
    assert state["generations"][-1]["outcome"] == "stopped", (stop_seen_after, state["generations"])

    following = bridge.generate("Short one.", timeout=30)
    assert following.code == grpc.StatusCode.OK, following.describe()


def test_deadline_in_the_queue(bridge_factory):
    """A queued request whose deadline passes leaves the queue with DEADLINE_EXCEEDED while the
    running one is unaffected."""
    bridge = bridge_factory(SLOW)
    pb2 = bridge.pb2
    running = bridge.stub.Generate(pb2.GenerateRequest(prompt="The long one."), timeout=30)
    first = next(running)
    assert first.WhichOneof("event") in ("delta", "done"), first
    waiting = bridge.generate("The impatient one.", timeout=0.3)
    assert waiting.code == grpc.StatusCode.DEADLINE_EXCEEDED, waiting.describe()
    assert waiting.queued and waiting.queued[0].position == 1, waiting.describe()
    rest = consume_stream(running)
    assert rest.code == grpc.StatusCode.OK, rest.describe()
    assert rest.done.finish_reason == pb2.FINISH_REASON_STOP
    # Only the running request reached the runtime.
    assert bridge.state()["stops"] == 0
    assert bridge.health().queue_depth == 0


# --------------------------------------------------------------------------------------------
# 12. WatchHealth follows the load


def test_watch_health_reports_busy_and_queue_depth_under_load(bridge_factory):
    bridge = bridge_factory(SLOW)
    pb2 = bridge.pb2
    watch = bridge.stub.WatchHealth(pb2.HealthRequest(), timeout=30)
    seen = []
    busy_and_queued = threading.Event()
    idle_again = threading.Event()

    def follow():
        try:
            for health in watch:
                seen.append(health)
                if health.runtime_state == pb2.RUNTIME_STATE_BUSY and health.queue_depth >= 1:
                    busy_and_queued.set()
                if busy_and_queued.is_set() and health.runtime_state == pb2.RUNTIME_STATE_READY \
                        and health.queue_depth == 0:
                    idle_again.set()
        except grpc.RpcError:
            pass

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    try:
        poll_until(lambda: seen, 5, "the first WatchHealth event")
        assert seen[0].runtime_state == pb2.RUNTIME_STATE_READY, seen[0]
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda i: bridge.generate(f"Load {i}.", timeout=30), range(2)))
        assert all(r.code == grpc.StatusCode.OK for r in results), [r.describe() for r in results]
        assert busy_and_queued.wait(10), f"no BUSY with queue_depth >= 1 seen: {[str(s) for s in seen]}"
        assert idle_again.wait(10), f"not READY with an empty queue afterwards: {[str(s) for s in seen]}"
    finally:
        watch.cancel()
        follower.join(5)
    states = [pb2.RuntimeState.Name(s.runtime_state) for s in seen]
    assert "RUNTIME_STATE_BUSY" in states, states
    assert max(s.queue_depth for s in seen) == 1, [s.queue_depth for s in seen]
