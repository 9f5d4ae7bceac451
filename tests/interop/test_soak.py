"""The seeded soak: the real axrpc-server against the emulator under four timing profiles
(instant, default, hardware, chaos), with more concurrent callers than the queue holds
(`--queue-capacity 3`) and a per-seed mix of Generate, continuing Chat, fresh Chat under a
custom system prompt, max_tokens 1..15, stop sequences, cancels after the first delta, short
deadlines (30-500 ms) and varied sampling (including a repetition_penalty > 1 that must be
refused).

After every call (checked against the emulator's record of the call's generation, found by the
call's unique last user text):
  * OK + FINISH_REASON_STOP: the deltas are exactly the runtime's queued text minus the think prefix
    (a strict prefix of it is reported as `incomplete`, anything else as `attribution`);
  * OK + LENGTH: exactly the first max_tokens tokens after the think prefix when they are ASCII,
    else a prefix of the reply;
  * OK + STOP_SEQUENCE: the reply up to (excluding) the first occurrence of the stop sequence;
  * CANCELLED / DEADLINE_EXCEEDED: what arrived is a prefix of the reply;
  * exactly one `done`, last; one generation per call; refused calls never reach the runtime;
  * never UNAVAILABLE; RESOURCE_EXHAUSTED only while more than capacity + 1 calls are active;
  * the effective sampler is the documented mapping of the request (soak_support.expected_sampling);
  * the system prompt the generation ran on is the call's own.
After every burst: Health says queue depth 0, the emulator is idle with an empty worker queue.

Run alone: `pytest tests/interop/test_soak.py` (one profile: `-k chaos`). Bounded to about two
minutes; AXRPC_SOAK_SECONDS sets each profile's budget (longer soaks), AXRPC_SOAK_SEED replays a
seed (the defaults are fixed per profile, so CI is reproducible). Every failure names the
profile, the seed, the burst, the call and the check."""

import time

import pytest

from soak_support import (PROFILES, QUEUE_CAPACITY, Findings, Planner, check_call, emulator_args,
                          overlap_checker, run_burst, soak_seconds, soak_seed, wait_settled)


@pytest.mark.parametrize("profile_name", list(PROFILES))
def test_soak(bridge_factory, profile_name):
    profile = PROFILES[profile_name]
    seed = soak_seed(profile)
    budget = soak_seconds(profile)
    findings = Findings(profile.name, seed)
    # With idle-time preparation on, as in production: background resets between bursts and
    # calls arriving during one must keep every invariant below.
    bridge = bridge_factory(emulator_args(profile, seed), "--queue-capacity", str(QUEUE_CAPACITY),
                            "--idle-reset", "true", fast=False)
    planner = Planner(seed, profile, clients=profile.max_burst)
    # The server keeps a call's slot until the runtime is stopped, idle and drained (up to the
    # bridge's 100 ms quiet period after a cut, longer on a loaded machine), which a client that
    # has its answer cannot see.
    grace = 1.5 if profile.name != "hardware" else 3.0

    started = time.monotonic()
    burst = 0
    while time.monotonic() - started < budget:
        burst += 1
        try:
            bridge.reset_state()
        except OSError as error:   # the bridge may be restarting the runtime: the checks below tell
            findings.fail("emulator-state", f"POST /__emulator/reset-state failed: {error}", burst=burst)
        plans = planner.burst()
        results = run_burst(bridge, plans)
        settled, state_text = wait_settled(bridge, profile.settle_timeout)
        if not settled:
            findings.fail("settle", f"not idle within {profile.settle_timeout:.0f} s after the burst: {state_text}",
                          burst=burst)
        try:
            records = bridge.state()["generations"]
        except OSError as error:
            findings.fail("emulator-state", f"GET /__emulator/state failed: {error}", burst=burst)
            records = []
        overlap_ok = overlap_checker(results, grace)
        for result in results:
            findings.calls += 1
            check_call(findings, burst, result, records, overlap_ok)
            planner.record_reply(result.plan, result)

    print(f"\nsoak {findings.summary()} in {time.monotonic() - started:.1f} s, {burst} bursts")
    assert not findings.failures, findings.report()
