"""The soak's per-call checks on scripted records (no server): a correct reply passes every check,
and each kind of wrong reply fails exactly the check that names it. Guards the soak against
false alarms as much as against blind spots."""

from types import SimpleNamespace

import grpc

from interop_helpers import THINK_PREFIX
from soak_support import (FINISH_LENGTH, FINISH_STOP, FINISH_STOP_SEQUENCE, CallPlan, CallResult, Findings,
                          Sampling, check_call, expected_sampling)

THINK_LENGTHS = [7, 2, 8, 2]
BODY = ["The", " model", " works", " 日", " fast", "."]   # " 日" stands for one 4-byte token
TEXT = "".join(BODY)


class Event:
    """A GenerationEvent stand-in: `delta` or `done`."""

    def __init__(self, kind: str, value):
        self.kind = kind
        setattr(self, kind, value)

    def WhichOneof(self, _name):  # noqa: N802 - protobuf's spelling
        return self.kind


def record(prompt: str, text: str = TEXT, outcome: str = "eos", produced: int | None = None, **sampling) -> dict:
    lengths = THINK_LENGTHS + [len(t.encode()) for t in BODY]
    lengths = lengths[:produced] if produced is not None else lengths
    greedy = {"temperature_enabled": False, "repetition_penalty_enabled": False, "top_k_enabled": True,
              "top_k": 1, "top_p_enabled": False}
    return {"id": 1, "prompt": prompt, "queued_text": THINK_PREFIX + text, "outcome": outcome,
            "token_byte_lengths": lengths, "system_prompt": "You are Qwen.", "sampling": {**greedy, **sampling}}


def run(plan: CallPlan, deltas: list[str], finish: int | None, records: list[dict],
        code=grpc.StatusCode.OK) -> Findings:
    events = [Event("delta", d) for d in deltas]
    if finish is not None:
        events.append(Event("done", SimpleNamespace(finish_reason=finish)))
    findings = Findings("test", 0)
    check_call(findings, 1, CallResult(plan, events, code, "", 0.0, 1.0), records, lambda _: False)
    return findings


def plan(**fields) -> CallPlan:
    return CallPlan(number=1, kind="generate", client=0, user_text="soak s0 c1: hi", system="", **fields)


def test_a_correct_full_reply_passes():
    findings = run(plan(), ["The model", " works 日 fast."], FINISH_STOP, [record("soak s0 c1: hi")])
    assert not findings.failures, findings.failures


def test_history_replay_prompts_match_by_their_last_line():
    findings = run(plan(), [TEXT], FINISH_STOP, [record("Earlier...\nNow answer:\nsoak s0 c1: hi")])
    assert not findings.failures, findings.failures


def test_another_calls_text_fails_attribution_and_a_cut_reply_is_incomplete():
    other = run(plan(), ["Elsewhere."], FINISH_STOP, [record("soak s0 c1: hi")])
    assert list(other.by_check) == ["attribution"], other.failures
    cut = run(plan(), ["The model"], FINISH_STOP, [record("soak s0 c1: hi")])
    assert list(cut.by_check) == ["incomplete"], cut.failures


def test_max_tokens_is_exact_for_ascii_tokens_and_a_prefix_otherwise():
    exact = run(plan(max_tokens=2), ["The model"], FINISH_LENGTH, [record("soak s0 c1: hi", outcome="stopped")])
    assert not exact.failures, exact.failures
    one_more = run(plan(max_tokens=2), ["The model works"], FINISH_LENGTH, [record("soak s0 c1: hi")])
    assert list(one_more.by_check) == ["max-tokens"], one_more.failures
    # The 4th token is non-ASCII: any prefix of the reply is accepted.
    lenient = run(plan(max_tokens=4), ["The model works "], FINISH_LENGTH, [record("soak s0 c1: hi")])
    assert not lenient.failures, lenient.failures


def test_stop_sequences():
    cut = run(plan(stop=["works"]), ["The model "], FINISH_STOP_SEQUENCE, [record("soak s0 c1: hi")])
    assert not cut.failures, cut.failures
    missed = run(plan(stop=["works"]), [TEXT], FINISH_STOP, [record("soak s0 c1: hi")])
    assert list(missed.by_check) == ["stop-sequence"], missed.failures
    # Found only after max_tokens: the call should have ended with LENGTH.
    late = run(plan(stop=["works"], max_tokens=1), ["The model "], FINISH_STOP_SEQUENCE, [record("soak s0 c1: hi")])
    assert list(late.by_check) == ["max-tokens"], late.failures


def test_cancel_before_the_reply_began_and_unavailable():
    stopped_in_prefill = record("soak s0 c1: hi", outcome="stopped", produced=0)
    stopped_in_prefill["queued_text"] = ""
    cancelled = run(plan(short_deadline=True, timeout=0.1), [], None, [stopped_in_prefill],
                    code=grpc.StatusCode.DEADLINE_EXCEEDED)
    assert not cancelled.failures, cancelled.failures
    unavailable = run(plan(), [], None, [], code=grpc.StatusCode.UNAVAILABLE)
    assert list(unavailable.by_check) == ["no-unavailable"], unavailable.failures


def test_sampling_mapping():
    assert expected_sampling(Sampling()) == {"temperature_enabled": False, "repetition_penalty_enabled": False,
                                             "top_k_enabled": True, "top_k": 1, "top_p_enabled": False}
    top_p = expected_sampling(Sampling(temperature=0.7, top_p=0.9))
    assert top_p["top_p_enabled"] and not top_p["top_k_enabled"] and top_p["temperature"] == 0.7
    top_k = expected_sampling(Sampling(top_p=0.9, top_k=5))
    assert top_k["top_k"] == 5 and not top_k["top_p_enabled"]
    assert expected_sampling(Sampling(top_p=1.0, top_k=0))["top_k"] == 1, "both count as unset"
    wrong = run(plan(sampling=Sampling(temperature=0.7, top_p=0.9)), [TEXT], FINISH_STOP,
                [record("soak s0 c1: hi", temperature_enabled=True, temperature=0.7)])
    assert list(wrong.by_check) == ["sampling"], wrong.failures
    refused = run(plan(sampling=Sampling(repetition_penalty=1.3)), [], None, [],
                  code=grpc.StatusCode.INVALID_ARGUMENT)
    assert not refused.failures, refused.failures
