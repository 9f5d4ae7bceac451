"""The seeded soak of the runtime bridge (test_soak.py): timing profiles, call plans drawn from a
seed, running a call, and checking it against the emulator's record of its generation.

Every call's last user text is unique (`soak s{seed} c{n}: ...`), so the generation it caused is
the emulator record whose `prompt` equals it or ends with "\\n" + it (a replayed history).
Nothing here depends on how the bridge works inside: only on what the client received and what
the emulator (`/__emulator/state`, `generations`) says the runtime did."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import grpc

from interop_helpers import THINK_PREFIX, StreamEvents, poll_until

# The emulator's word list (Sources/AXLLMEmulator/Engine/Vocabulary.swift, ASCII part): stop
# sequences are picked from it so that some occur in replies and some do not.
VOCABULARY = [
    "the", "a", "model", "answer", "is", "that", "runtime", "token", "stream", "of", "and", "to",
    "in", "context", "simple", "question", "we", "can", "see", "it", "works", "with", "each", "step",
    "first", "then", "finally", "because", "value", "result", "small", "fast", "board", "card", "memory",
    "prompt", "reply", "here", "this", "example", "shows", "how", "data", "flows", "through", "layers",
    "cache", "holds", "state", "between", "turns", "so", "only", "new", "text", "needs", "prefill",
]
STOP_WORDS = [w for w in VOCABULARY if len(w) >= 4]
SYSTEM_PROMPTS = ["You are a pirate.", "Answer in one line.", "You are a terse assistant.",
                  "Reply like a poet."]
THINK_TOKENS = 4
QUEUE_CAPACITY = 3


@dataclass(frozen=True)
class Profile:
    """One timing of the emulator and how the soak drives it."""
    name: str
    emulator_args: str
    seed: int                   # default seed (fixed, so CI is reproducible)
    seconds: float              # default time budget for starting bursts
    max_burst: int              # callers per burst: up to this many at once
    call_timeout: float         # deadline of calls that are not meant to hit theirs
    settle_timeout: float       # how long the bridge may take to hand back an idle runtime
    max_tokens_only: bool = False  # every call that could run long gets a small max_tokens
    max_tokens_cap: int = 15


# The emulator's own flags per profile (`--history-limit` keeps every record of a burst).
PROFILES = {
    # Everything happens between two polls of the bridge.
    "instant": Profile("instant", "--profile instant --history-limit 512", seed=1001, seconds=20,
                       max_burst=QUEUE_CAPACITY + 3, call_timeout=20, settle_timeout=10),
    # The emulator's default worker timing (5 ms dispatch for every task, 50 ms reset), with decode
    # and prefill sped up (40 tokens/s, 100 ms per chunk) so that the budget holds dozens of calls.
    "default": Profile("default", "--profile default --tokens-per-second 40 --prefill-ms-per-chunk 100 "
                       "--history-limit 512", seed=2002, seconds=30,
                       max_burst=QUEUE_CAPACITY + 3, call_timeout=60, settle_timeout=15),
    # Qwen3-4B on the NPU: 4.5 tokens/s, 1.2 s per prefill chunk, 1.2 s reset. Few, short calls.
    "hardware": Profile("hardware", "--profile hardware --history-limit 512", seed=3003, seconds=25,
                        max_burst=QUEUE_CAPACITY + 2, call_timeout=120, settle_timeout=30,
                        max_tokens_only=True, max_tokens_cap=4),
    # Per-task dispatch, gap, reset time, token interval, poll jitter and stop latency drawn from
    # the seed (the emulator's --chaos takes the soak's seed).
    "chaos": Profile("chaos", "--tokens-per-second 100 --ttft-ms 10 --prefill-ms-per-chunk 30 "
                     "--history-limit 512 --chaos {seed}", seed=4004, seconds=30,
                     max_burst=QUEUE_CAPACITY + 3, call_timeout=30, settle_timeout=15),
}


def soak_seed(profile: Profile) -> int:
    """AXRPC_SOAK_SEED replays a run; otherwise the profile's fixed seed."""
    value = os.environ.get("AXRPC_SOAK_SEED")
    return int(value) if value else profile.seed


def soak_seconds(profile: Profile) -> float:
    """AXRPC_SOAK_SECONDS lengthens (or shortens) every profile's budget."""
    value = os.environ.get("AXRPC_SOAK_SECONDS")
    return float(value) if value else profile.seconds


def emulator_args(profile: Profile, seed: int) -> str:
    return profile.emulator_args.format(seed=seed)


# --------------------------------------------------------------------------------------------
# Call plans


@dataclass
class Sampling:
    """The sampling fields a call sets (None: unset)."""
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    repetition_penalty: float | None = None

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in vars(self).items() if v is not None]
        return ",".join(parts) or "unset"


@dataclass
class CallPlan:
    """One call, fully drawn from the seed before the burst runs."""
    number: int
    kind: str                       # generate | chat_continue | chat_fresh
    client: int
    user_text: str
    system: str                     # custom system prompt ("" = none)
    messages: list = field(default_factory=list)  # (role, content) for Chat, history included
    sampling: Sampling = field(default_factory=Sampling)
    max_tokens: int | None = None
    stop: list = field(default_factory=list)
    cancel_after_first_delta: bool = False
    timeout: float = 30.0
    short_deadline: bool = False
    stagger: float = 0.0            # seconds to wait before calling

    @property
    def refused(self) -> bool:
        """A repetition penalty above 1.0001 cannot be undone on the runtime: must be refused."""
        p = self.sampling.repetition_penalty
        return p is not None and p > 1.0001

    def describe(self) -> str:
        extras = []
        if self.system:
            extras.append(f"system={self.system!r}")
        if self.kind != "generate":
            extras.append(f"messages={len(self.messages)}")
        if self.max_tokens is not None:
            extras.append(f"max_tokens={self.max_tokens}")
        if self.stop:
            extras.append(f"stop={self.stop}")
        if self.cancel_after_first_delta:
            extras.append("cancel-after-first-delta")
        if self.short_deadline:
            extras.append(f"deadline={self.timeout * 1000:.0f}ms")
        extras.append(f"sampling[{self.sampling.describe()}]")
        return f"c{self.number} {self.kind} client{self.client} {' '.join(extras)}"


class Client:
    """A caller with its own conversation (what it sent and the replies it got)."""

    def __init__(self, index: int):
        self.index = index
        self.system = ""
        self.history: list[tuple[str, str]] = []   # (role, content), no system message

    def messages(self, user_text: str) -> list[tuple[str, str]]:
        system = [("system", self.system)] if self.system else []
        return [*system, *self.history, ("user", user_text)]


class Planner:
    """Draws call plans from the seed: a Generate, a Chat continuing the client's conversation, or
    a fresh Chat under a custom system prompt; max_tokens, stop words, cancels, short deadlines
    and sampling options vary per call."""

    def __init__(self, seed: int, profile: Profile, clients: int):
        self.rng = random.Random(seed)
        self.seed = seed
        self.profile = profile
        self.clients = [Client(i) for i in range(clients)]
        self.count = 0

    def burst(self) -> list[CallPlan]:
        size = self.rng.randint(1, self.profile.max_burst)
        return [self._plan(client) for client in self.rng.sample(self.clients, size)]

    def _plan(self, client: Client) -> CallPlan:
        rng = self.rng
        self.count += 1
        words = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(3, 8)))
        user_text = f"soak s{self.seed} c{self.count}: {words}"
        kind = rng.choices(["generate", "chat_continue", "chat_fresh"], weights=[35, 35, 30])[0]
        if kind == "chat_continue" and len(client.history) >= 12:
            kind = "chat_fresh"   # keep conversations far from the 2048-token context
        plan = CallPlan(number=self.count, kind=kind, client=client.index, user_text=user_text, system="")
        if kind == "generate":
            plan.system = rng.choice(SYSTEM_PROMPTS) if rng.random() < 0.4 else ""
        elif kind == "chat_fresh":
            plan.system = rng.choice(SYSTEM_PROMPTS)
            client.system, client.history = plan.system, []
            plan.messages = client.messages(user_text)
        else:
            plan.system = client.system
            plan.messages = client.messages(user_text)
        plan.sampling = self._sampling()
        if rng.random() < 0.4 or self.profile.max_tokens_only:
            plan.max_tokens = rng.randint(1, self.profile.max_tokens_cap)
        if rng.random() < 0.25:
            plan.stop = [rng.choice(STOP_WORDS)]
        special = rng.random()
        plan.timeout = self.profile.call_timeout
        if special < 0.1:
            plan.cancel_after_first_delta = True
        elif special < 0.2:
            plan.short_deadline = True
            plan.timeout = rng.randint(30, 500) / 1000
        plan.stagger = rng.random() * 0.05
        return plan

    def _sampling(self) -> Sampling:
        rng = self.rng
        sampling = Sampling()
        if rng.random() < 0.5:
            sampling.temperature = rng.choice([0.0, 0.3, 0.7, 1.2])
        if rng.random() < 0.4:
            sampling.top_p = rng.choice([0.5, 0.9, 1.0])
        if rng.random() < 0.4:
            sampling.top_k = rng.choice([0, 1, 5, 40])
        if rng.random() < 0.1:
            sampling.repetition_penalty = rng.choice([0.9, 1.0, 1.3, 1.5])
        return sampling

    def record_reply(self, plan: CallPlan, result: "CallResult") -> None:
        """A Chat client continues its conversation with the reply it got (whatever it was)."""
        if plan.kind == "generate" or plan.refused or result.code != grpc.StatusCode.OK:
            return
        client = self.clients[plan.client]
        if client.system != plan.system:
            return
        client.history = [m for m in plan.messages if m[0] != "system"] + [("assistant", result.text)]


# --------------------------------------------------------------------------------------------
# Running a call


@dataclass
class CallResult(StreamEvents):
    plan: CallPlan
    events: list
    code: grpc.StatusCode
    details: str
    started: float
    ended: float

    def describe(self) -> str:
        kinds = self.kinds
        finish = self.done.finish_reason if self.done is not None else None
        return (f"code={self.code.name} details={self.details!r} finish={finish} "
                f"events(delta={kinds.count('delta')} done={kinds.count('done')} queued={kinds.count('queued')}) "
                f"text={self.text!r} elapsed={self.ended - self.started:.3f}s")


def sampling_options(pb2, plan: CallPlan):
    fields = {k: v for k, v in vars(plan.sampling).items() if v is not None}
    if plan.max_tokens is not None:
        fields["max_tokens"] = plan.max_tokens
    return pb2.SamplingOptions(stop=plan.stop, **fields)


ROLES = {"system": "ROLE_SYSTEM", "user": "ROLE_USER", "assistant": "ROLE_ASSISTANT"}


def run_call(bridge, plan: CallPlan) -> CallResult:
    """Makes the call; cancels after the first delta when the plan says so. Never raises."""
    pb2 = bridge.pb2
    time.sleep(plan.stagger)
    started = time.monotonic()
    options = sampling_options(pb2, plan)
    if plan.kind == "generate":
        call = bridge.stub.Generate(pb2.GenerateRequest(prompt=plan.user_text, system=plan.system,
                                                        options=options), timeout=plan.timeout)
    else:
        messages = [pb2.ChatMessage(role=getattr(pb2, ROLES[role]), content=content)
                    for role, content in plan.messages]
        call = bridge.stub.Chat(pb2.ChatRequest(messages=messages, options=options), timeout=plan.timeout)
    events, code, details = [], grpc.StatusCode.OK, ""
    try:
        for event in call:
            events.append(event)
            if plan.cancel_after_first_delta and event.WhichOneof("event") == "delta":
                call.cancel()
    except grpc.RpcError as error:
        code, details = error.code(), error.details() or ""
    return CallResult(plan, events, code, details, started, time.monotonic())


def run_burst(bridge, plans: list[CallPlan]) -> list[CallResult]:
    """All plans at once, one thread each (after their staggers); results in plan order."""
    results: list[CallResult | None] = [None] * len(plans)

    def work(index: int) -> None:
        results[index] = run_call(bridge, plans[index])

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(plans))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [r for r in results if r is not None]


# --------------------------------------------------------------------------------------------
# The expected sampler (the mapping the bridge documents; post_config.json defaults of Qwen3-4B)


def expected_sampling(sampling: Sampling) -> dict:
    """What the emulator's effective sampler must be for these options (a refused penalty aside)."""
    t, p, k = sampling.temperature, sampling.top_p, sampling.top_k
    expected: dict = {"temperature_enabled": t is not None and t > 0, "repetition_penalty_enabled": False}
    if expected["temperature_enabled"]:
        expected["temperature"] = t
    top_p = p if p is not None and 0 < p < 1 else None   # top_p >= 1 counts as unset
    top_k = k if k is not None and k >= 1 else None       # top_k 0 counts as unset
    if top_k is not None:
        expected.update(top_k_enabled=True, top_k=top_k, top_p_enabled=False)
    elif top_p is not None:
        expected.update(top_p_enabled=True, top_p=top_p, top_k_enabled=False)
    else:
        expected.update(top_k_enabled=True, top_k=1, top_p_enabled=False)   # the model default: greedy
    return expected


def sampling_mismatches(expected: dict, actual: dict) -> list[str]:
    wrong = []
    for key, want in expected.items():
        have = actual.get(key)
        if isinstance(want, float) and isinstance(have, (int, float)):
            if abs(want - have) > 1e-4:
                wrong.append(f"{key}={have} (want {want})")
        elif have != want:
            wrong.append(f"{key}={have} (want {want})")
    return wrong


# --------------------------------------------------------------------------------------------
# Checks


class Findings:
    """Failures of one profile run, each naming the call, the check, the seed and the profile."""

    def __init__(self, profile: str, seed: int):
        self.profile, self.seed = profile, seed
        self.failures: list[str] = []
        self.by_check: Counter = Counter()
        self.calls_failed: set[int] = set()
        self.outcomes: Counter = Counter()
        self.calls = 0

    def fail(self, check: str, detail: str, plan: CallPlan | None = None, burst: int | None = None) -> None:
        self.by_check[check] += 1
        if plan is not None:
            self.calls_failed.add(plan.number)
        where = f"burst {burst} " if burst is not None else ""
        call = plan.describe() if plan is not None else "(no call)"
        self.failures.append(f"[profile={self.profile} seed={self.seed}] {where}{call}: check {check}: {detail}")

    def summary(self) -> str:
        checks = ", ".join(f"{name} x{count}" for name, count in self.by_check.most_common())
        outcomes = ", ".join(f"{name} x{count}" for name, count in sorted(self.outcomes.items()))
        return (f"profile={self.profile} seed={self.seed}: {self.calls} calls, "
                f"{len(self.calls_failed)} with failed checks; failed checks: {checks or 'none'}; "
                f"outcomes: {outcomes}")

    def report(self, limit: int = 40) -> str:
        shown = self.failures[:limit]
        more = f"\n... and {len(self.failures) - limit} more" if len(self.failures) > limit else ""
        replay = (f"replay: AXRPC_SOAK_SEED={self.seed} pytest tests/interop/test_soak.py "
                  f"-k {self.profile}")
        return f"{self.summary()}\n{replay}\n" + "\n".join(shown) + more


def matching_records(records: list[dict], user_text: str) -> list[dict]:
    return [r for r in records if r["prompt"] == user_text or r["prompt"].endswith("\n" + user_text)]


def reply_text(record: dict) -> str | None:
    """The record's queued text without the think prefix: "" when the generation was stopped before
    its reply began (in prefill, or with only part of the prefix queued); None when the text does not
    start with the prefix at all."""
    queued = record.get("queued_text", "")
    if queued.startswith(THINK_PREFIX):
        return queued[len(THINK_PREFIX):]
    return "" if THINK_PREFIX.startswith(queued) else None


def first_tokens_text(record: dict, count: int) -> tuple[bytes, bool, int]:
    """UTF-8 bytes of the first `count` tokens after the think prefix (as far as they were queued),
    whether the count is exact-checkable, and how many body tokens the runtime produced.

    Exact only where the first `count + 1` tokens are ASCII: the bridge has no tokenizer and
    counts a word with rare non-ASCII letters as one piece (as Qwen's BPE does for common ones),
    while the emulator splits such a word at byte level; there the reply is checked as a prefix."""
    lengths = record.get("token_byte_lengths", [])
    body = lengths[THINK_TOKENS:]
    start = sum(lengths[:THINK_TOKENS])
    end = start + sum(body[:count])
    queued = record.get("queued_text", "").encode("utf-8")
    data = queued[start:end]
    decisive = queued[start:start + sum(body[:count + 1])]
    return data, all(b < 0x80 for b in decisive), len(body)


def first_stop(text: str, stops: list[str]) -> int | None:
    found = [text.find(s) for s in stops if s and text.find(s) >= 0]
    return min(found) if found else None


def check_call(findings: Findings, burst: int, result: CallResult, records: list[dict],
               overlap_ok) -> None:
    """Every per-call check of the soak (see test_soak.py)."""
    plan = result.plan
    fail = lambda check, detail: findings.fail(check, f"{detail}; {result.describe()}", plan, burst)  # noqa: E731
    code = result.code
    finish = result.done.finish_reason if result.done is not None else None
    findings.outcomes[code.name if code != grpc.StatusCode.OK or finish is None
                      else f"OK/{FINISH_NAMES.get(finish, finish)}"] += 1
    matches = matching_records(records, plan.user_text)
    record = matches[-1] if matches else None

    # Status codes.
    if code == grpc.StatusCode.UNAVAILABLE:
        fail("no-unavailable", "UNAVAILABLE from a healthy runtime")
    elif code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        if not overlap_ok(result):
            fail("resource-exhausted", f"RESOURCE_EXHAUSTED with at most {QUEUE_CAPACITY} other calls active")
    elif code == grpc.StatusCode.INVALID_ARGUMENT:
        if not plan.refused:
            fail("status", "INVALID_ARGUMENT for a valid request")
    elif code == grpc.StatusCode.CANCELLED:
        if not plan.cancel_after_first_delta:
            fail("status", "CANCELLED although the client did not cancel")
    elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
        if not plan.short_deadline:
            fail("status", f"DEADLINE_EXCEEDED within a generous {plan.timeout:.0f} s deadline")
    elif code != grpc.StatusCode.OK:
        fail("status", f"unexpected status {code.name}")
    if plan.refused and code not in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED):
        if not (plan.short_deadline and code == grpc.StatusCode.DEADLINE_EXCEEDED):
            fail("sampling-refusal", f"repetition_penalty {plan.sampling.repetition_penalty} was not refused "
                                     "INVALID_ARGUMENT")

    # Exactly one done, last (an error ends a call without one).
    kinds = result.kinds
    if code == grpc.StatusCode.OK:
        if kinds.count("done") != 1 or not kinds or kinds[-1] != "done":
            fail("done-once-last", f"event kinds {kinds}")
    elif kinds.count("done") > 1 or ("done" in kinds and kinds[-1] != "done"):
        fail("done-once-last", f"event kinds {kinds}")

    # Records: a refused or rejected call must not reach the runtime; the others map to one generation.
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED):
        if matches:
            fail("attribution", f"a refused call reached the runtime: {len(matches)} generation(s)")
        return
    if len(matches) > 1:
        fail("one-generation", f"{len(matches)} generations for one call (ids {[m.get('id') for m in matches]})")
    if record is None:
        if code == grpc.StatusCode.OK or result.text:
            fail("attribution", "no emulator generation has this call's prompt, yet it streamed "
                                f"{result.text!r}")
        return
    reply = reply_text(record)
    if reply is None:
        fail("attribution", f"the runtime's text lacks the think prefix: {record.get('queued_text')!r}")
        return

    # System prompt: the one asked for, never another call's.
    if plan.system and record.get("system_prompt") != plan.system:
        fail("system-prompt", f"ran on system prompt {record.get('system_prompt')!r}, want {plan.system!r}")
    elif not plan.system and record.get("system_prompt") in SYSTEM_PROMPTS:
        fail("system-prompt", f"ran on another call's system prompt {record.get('system_prompt')!r}")

    # Sampling.
    wrong = sampling_mismatches(expected_sampling(plan.sampling), record.get("sampling", {}))
    if wrong:
        fail("sampling", "effective sampler " + ", ".join(wrong))

    text = result.text
    gen = f"generation id={record.get('id')} outcome={record.get('outcome')} reply={reply!r}"
    if code in (grpc.StatusCode.CANCELLED, grpc.StatusCode.DEADLINE_EXCEEDED):
        if not reply.startswith(text):
            fail("attribution", f"what arrived is not a prefix of the reply; {gen}")
        return
    if code != grpc.StatusCode.OK or result.done is None:
        return
    stop_at = first_stop(reply, plan.stop)
    if finish == FINISH_STOP:
        if text != reply and reply.startswith(text):
            fail("incomplete", f"FINISH_REASON_STOP but only part of the runtime's reply arrived; {gen}")
        elif text != reply:
            fail("attribution", f"FINISH_REASON_STOP but the text differs from the runtime's reply; {gen}")
        elif plan.stop and stop_at is not None:
            fail("stop-sequence", f"FINISH_REASON_STOP with stop sequence {plan.stop} in the text; {gen}")
        if plan.max_tokens is not None:
            body_tokens = len(record.get("token_byte_lengths", [])) - THINK_TOKENS
            if body_tokens > plan.max_tokens and text == reply:
                fail("max-tokens", f"FINISH_REASON_STOP with {body_tokens} tokens > max_tokens; {gen}")
    elif finish == FINISH_LENGTH:
        if plan.max_tokens is None:
            fail("finish-reason", f"FINISH_REASON_LENGTH without max_tokens; {gen}")
            return
        wanted, ascii_only, produced = first_tokens_text(record, plan.max_tokens)
        if produced < plan.max_tokens and record.get("outcome") == "eos":
            fail("max-tokens", f"FINISH_REASON_LENGTH although the reply had only {produced} tokens; {gen}")
        if not reply.startswith(text):
            fail("attribution", f"LENGTH: the text is not a prefix of the runtime's reply; {gen}")
        elif ascii_only and text.encode("utf-8") != wanted:
            fail("max-tokens", f"LENGTH: want exactly the first {plan.max_tokens} tokens "
                               f"{wanted.decode('utf-8', 'replace')!r}; {gen}")
        if plan.stop:
            cut = first_stop(wanted.decode("utf-8", "ignore"), plan.stop)
            if cut is not None:
                fail("stop-sequence", f"LENGTH although stop {plan.stop} occurs within max_tokens; {gen}")
    elif finish == FINISH_STOP_SEQUENCE:
        if not reply.startswith(text):
            fail("attribution", f"STOP_SEQUENCE: the text is not a prefix of the runtime's reply; {gen}")
        elif not plan.stop:
            fail("finish-reason", f"FINISH_REASON_STOP_SEQUENCE without stop sequences; {gen}")
        elif stop_at is None:
            fail("stop-sequence", f"STOP_SEQUENCE but {plan.stop} is not in the runtime's reply; {gen}")
        elif text != reply[:stop_at]:
            fail("stop-sequence", f"want the reply up to the stop sequence {reply[:stop_at]!r}; {gen}")
        elif plan.max_tokens is not None:
            # The stop sequence counts only if it is complete within the first max_tokens tokens.
            lengths = record.get("token_byte_lengths", [])
            allowed = sum(lengths[THINK_TOKENS:THINK_TOKENS + plan.max_tokens])
            needed = len(reply[:stop_at].encode("utf-8")) + min(len(s.encode("utf-8")) for s in plan.stop
                                                                if reply.find(s) == stop_at)
            if needed > allowed and reply[:stop_at].isascii():
                fail("max-tokens", f"STOP_SEQUENCE completes after the first {plan.max_tokens} tokens "
                                   f"({needed} > {allowed} bytes): want LENGTH; {gen}")
    else:
        fail("finish-reason", f"finish reason {finish}")


FINISH_STOP, FINISH_LENGTH, FINISH_STOP_SEQUENCE = 1, 2, 3
FINISH_NAMES = {FINISH_STOP: "STOP", FINISH_LENGTH: "LENGTH", FINISH_STOP_SEQUENCE: "STOP_SEQUENCE"}


def overlap_checker(results: list[CallResult], grace: float):
    """Whether a RESOURCE_EXHAUSTED call met more than capacity + 1 active calls at some moment of
    its life. A call that ended on the client less than `grace` seconds before still counts as
    active: the bridge may still be handing the runtime back after it."""

    def ok(rejected: CallResult) -> bool:
        others = [r for r in results if r is not rejected]
        moments = [rejected.started] + [r.started for r in others
                                        if rejected.started <= r.started <= rejected.ended]
        for moment in moments:
            active = sum(1 for r in others if r.started <= moment <= r.ended + grace)
            if active >= QUEUE_CAPACITY + 1:
                return True
        return False

    return ok


# --------------------------------------------------------------------------------------------
# Between bursts


def wait_settled(bridge, timeout: float) -> tuple[bool, str]:
    """Until Health reports READY (no call holds the runtime: the bridge releases it only once the
    runtime is idle and drained) with queue depth 0, and the emulator is idle with nothing queued,
    twice in a row 50 ms apart (a single sample can fall into the gap between two tasks)."""
    last: list = []
    ready = bridge.pb2.RUNTIME_STATE_READY

    def idle(health, state) -> bool:
        return (health.runtime_state == ready and health.queue_depth == 0 and not state["busy"]
                and state.get("worker_queue", 0) == 0)

    def probe():
        health = bridge.health()
        state = bridge.state()
        last[:] = [f"runtime_state={bridge.pb2.RuntimeState.Name(health.runtime_state)} "
                   f"queue_depth={health.queue_depth} busy={state['busy']} "
                   f"worker_queue={state.get('worker_queue')} phase={state.get('phase')}"]
        if not idle(health, state):
            return None
        time.sleep(0.05)
        return idle(bridge.health(), bridge.state())

    try:
        poll_until(probe, timeout, "the bridge and the runtime to be idle", interval=0.05)
        return True, ""
    except AssertionError:
        return False, last[0] if last else "no answer"
