"""Load and drain with real clients (grpcio asyncio), bounded in time by a fast emulator:
500 concurrent calls against a queue of 16 while the runtime is busy (exactly 16 queued and run,
484 refused with RESOURCE_EXHAUSTED and grpc-retry-pushback-ms, no stuck stream, memory back
near its baseline), SIGTERM with one call running and three queued (the running one finishes
within --drain-timeout, the queued get UNAVAILABLE at once, the runtime stops, exit 0, no zombie),
and SIGTERM with a call that runs longer than --drain-timeout (cut when it expires, exit 0)."""
from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import grpc
import pytest

from interop_helpers import poll_until, wait_for_serving

QUEUE = 16
CLIENTS = 500
CHANNELS = 50
# 400 tokens at 100/s: the blocking call runs up to 4 s unless cancelled; the others ask for 2.
LOAD_EMULATOR = "--tokens-per-second 100 --reply-tokens 400 --ttft-ms 5 --prefill-ms-per-chunk 5"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def separate_channel(addr: str) -> grpc.aio.Channel:
    # A connection of its own: grpcio shares one between channels to the same target otherwise.
    return grpc.aio.insecure_channel(addr, options=[("grpc.use_local_subchannel_pool", 1)])


async def first_event(call, kind: str):
    async for event in call:
        if event.WhichOneof("event") == kind:
            return event
    raise AssertionError(f"the call ended without a {kind} event")


def test_500_clients_against_a_queue_of_16(gateway_factory, protos):
    server = gateway_factory("--queue-capacity", str(QUEUE), emulator_args=LOAD_EMULATOR)
    pb2, pb2_grpc = protos.pb2, protos.pb2_grpc
    with grpc.insecure_channel(server.grpc_addr) as warm:
        wait_for_serving(warm)
        for _ in range(3):
            list(pb2_grpc.InferenceStub(warm).Generate(
                pb2.GenerateRequest(prompt="warm", options=pb2.SamplingOptions(max_tokens=2)), timeout=30))
    baseline = rss_kib(server.proc.pid)

    async def scenario():
        blocker_channel = separate_channel(server.grpc_addr)
        blocker = pb2_grpc.InferenceStub(blocker_channel).Generate(pb2.GenerateRequest(prompt="block"), timeout=60)
        await first_event(blocker, "delta")     # the runtime is busy from here on
        channels = [separate_channel(server.grpc_addr) for _ in range(CHANNELS)]
        outcomes: dict[str, int] = {}
        queued_seen = asyncio.Event()
        all_refused = asyncio.Event()
        queued_count = 0
        refusals_without_pushback = 0

        async def one(index: int):
            nonlocal queued_count, refusals_without_pushback
            stub = pb2_grpc.InferenceStub(channels[index % CHANNELS])
            call = stub.Generate(pb2.GenerateRequest(prompt=f"call {index}",
                                                     options=pb2.SamplingOptions(max_tokens=2)), timeout=60)
            outcome = "ok"
            try:
                counted = False
                async for event in call:
                    if event.WhichOneof("event") == "queued" and not counted:
                        counted = True
                        queued_count += 1
                        if queued_count == QUEUE:
                            queued_seen.set()
            except grpc.aio.AioRpcError as error:
                outcome = error.code().name
                if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                    trailers = dict(error.trailing_metadata() or ())
                    if int(trailers.get("grpc-retry-pushback-ms", "-1")) < 0:
                        refusals_without_pushback += 1
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if outcomes.get("RESOURCE_EXHAUSTED", 0) == CLIENTS - QUEUE:
                all_refused.set()

        tasks = [asyncio.create_task(one(i)) for i in range(CLIENTS)]
        # Every refusal arrives while the blocker holds the runtime; then it is cancelled.
        await asyncio.wait_for(queued_seen.wait(), 60)
        await asyncio.wait_for(all_refused.wait(), 60)
        blocker.cancel()
        done, stuck = await asyncio.wait(tasks, timeout=60)
        for channel in channels + [blocker_channel]:
            await channel.close()
        return outcomes, len(stuck), refusals_without_pushback

    outcomes, stuck, without_pushback = asyncio.run(scenario())
    assert stuck == 0, f"{stuck} calls never ended; outcomes {outcomes}"
    assert outcomes == {"ok": QUEUE, "RESOURCE_EXHAUSTED": CLIENTS - QUEUE}, outcomes
    assert without_pushback == 0
    # Everything was released: memory returns near the baseline (allocator slack allowed).
    print(f"RSS baseline {baseline} KiB, peak-time {rss_kib(server.proc.pid)} KiB")
    poll_until(lambda: rss_kib(server.proc.pid) <= baseline + 16 * 1024, 20,
               lambda: f"RSS {rss_kib(server.proc.pid)} KiB back near the baseline {baseline} KiB")


# --------------------------------------------------------------------------------------------
# Drain


def emulator_pids(port: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(arg.endswith(b"axllm-emulator") for arg in argv) and str(port).encode() in argv:
            pids.append(int(entry.name))
    return pids


def is_gone_or_reaped(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    assert state != "Z", f"the runtime process {pid} is a zombie"
    return False


def test_sigterm_finishes_the_running_call_and_releases_the_queued(gateway_factory, protos):
    grace = 10
    server = gateway_factory("--queue-capacity", str(QUEUE), "--drain-timeout", str(grace),
                             emulator_args="--tokens-per-second 20 --reply-tokens 30 --ttft-ms 5 --prefill-ms-per-chunk 5")
    pb2, pb2_grpc = protos.pb2, protos.pb2_grpc
    with grpc.insecure_channel(server.grpc_addr) as warm:
        wait_for_serving(warm)
    runtime = emulator_pids(server.emulator_port)
    assert len(runtime) == 1, runtime

    async def scenario():
        channel = separate_channel(server.grpc_addr)
        stub = pb2_grpc.InferenceStub(channel)
        running = stub.Generate(pb2.GenerateRequest(prompt="running"), timeout=60)
        await first_event(running, "delta")
        queued = [stub.Generate(pb2.GenerateRequest(prompt=f"queued {i}"), timeout=60) for i in range(3)]
        for call in queued:
            await first_event(call, "queued")
        signalled = time.monotonic()
        server.signal(signal.SIGTERM)

        async def queued_outcome(call):
            try:
                async for _ in call:
                    pass
                return "ok", time.monotonic() - signalled, ""
            except grpc.aio.AioRpcError as error:
                return error.code().name, time.monotonic() - signalled, error.details()

        async def running_outcome():
            text = []
            async for event in running:
                if event.WhichOneof("event") == "delta":
                    text.append(event.delta)
                elif event.WhichOneof("event") == "done":
                    return "ok", len(text)
            return "no done", len(text)

        results = await asyncio.gather(*(queued_outcome(call) for call in queued), running_outcome())
        await channel.close()
        return results[:-1], results[-1]

    queued, running = asyncio.run(scenario())
    for code, after, details in queued:
        assert code == "UNAVAILABLE" and after < 2, (code, after, details)
        assert "shutting down" in details
    assert running[0] == "ok", running
    code = server.wait(grace + 10)
    assert code == 0, f"exit {code}\n{server.describe()}"
    poll_until(lambda: all(is_gone_or_reaped(pid) for pid in runtime), 10, "the runtime process to be gone")
    assert any("answered queued calls UNAVAILABLE" in line and "queued_calls=3" in line
               for line in server.stderr_lines), server.describe()


def test_a_call_longer_than_the_drain_timeout_is_cut_when_it_expires(gateway_factory, protos):
    drain = 1.5
    # 400 tokens at 20/s: 20 s uncut, far beyond the drain timeout.
    server = gateway_factory("--drain-timeout", str(drain),
                             emulator_args="--tokens-per-second 20 --reply-tokens 400 --ttft-ms 5 --prefill-ms-per-chunk 5")
    pb2, pb2_grpc = protos.pb2, protos.pb2_grpc
    with grpc.insecure_channel(server.grpc_addr) as warm:
        wait_for_serving(warm)
    runtime = emulator_pids(server.emulator_port)
    assert len(runtime) == 1, runtime

    async def scenario():
        channel = separate_channel(server.grpc_addr)
        call = pb2_grpc.InferenceStub(channel).Generate(pb2.GenerateRequest(prompt="long"), timeout=60)
        await first_event(call, "delta")
        signalled = time.monotonic()
        server.signal(signal.SIGTERM)
        deltas_after_signal = 0
        try:
            async for event in call:
                if event.WhichOneof("event") == "delta":
                    deltas_after_signal += 1
                elif event.WhichOneof("event") == "done":
                    return "done", time.monotonic() - signalled, deltas_after_signal
            return "ended without a status", time.monotonic() - signalled, deltas_after_signal
        except grpc.aio.AioRpcError as error:
            return error.code().name, time.monotonic() - signalled, deltas_after_signal
        finally:
            await channel.close()

    code, after, deltas = asyncio.run(scenario())
    print(f"the call in flight ended {code} {after:.2f} s after SIGTERM, {deltas} deltas during the drain")
    # It ran on through the drain timeout (tokens kept coming), then was cut, not finished.
    assert code in ("UNAVAILABLE", "CANCELLED"), (code, after, deltas)
    assert drain - 0.2 <= after < drain + 3, (code, after)
    assert deltas > 0, "the call in flight was not allowed to run during the drain"
    exit_code = server.wait(15)
    assert exit_code == 0, f"exit {exit_code}\n{server.describe()}"
    poll_until(lambda: all(is_gone_or_reaped(pid) for pid in runtime), 10, "the runtime process to be gone")
