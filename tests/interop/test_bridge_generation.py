"""The runtime bridge end to end (grpcio -> axrpc-server -> built-in emulator): the streamed text
is the runtime's reply without the think prefix, chat turns that extend the held conversation
reuse the runtime's context, sampling is resolved per request (the runtime's is sticky),
max_tokens and stop sequences end replies, and bad requests fail before they queue.

What the runtime received is read from the emulator's inspection API (`/__emulator/state`)."""

import grpc
import pytest

from interop_helpers import THINK_PREFIX, poll_until

MODEL = "qwen3:4b"
SAMPLING_KEYS = {"temperature", "top-k", "top-p", "repetition_penalty"}


def accepted(state: dict) -> list[dict]:
    """The runtime calls the emulator accepted (a generate sent while the preceding reset still
    runs is answered 400 "llm is running" and retried by the bridge, as the protocol requires)."""
    return [call for call in state["calls"] if call["status"] == 200]


def generate_calls(state: dict) -> list[dict]:
    return [call for call in accepted(state) if call["kind"] == "generate"]


def kinds(state: dict) -> list[str]:
    return [call["kind"] for call in accepted(state)]


def settled_state(bridge) -> dict:
    """The emulator's state once it is idle with its last generation recorded (a stopped
    generation ends at the runtime's next token, after the client already has its answer)."""
    return poll_until(lambda: (lambda s: s if s["generations"] and not s["busy"] else None)(bridge.state()),
                      10, "the emulator to be idle with a recorded generation")


def strip_think_prefix(text: str) -> str:
    assert text.startswith(THINK_PREFIX), f"the emulator's reply lacks the think prefix: {text!r}"
    return text[len(THINK_PREFIX):]


# --------------------------------------------------------------------------------------------
# 1. Generate


def test_generate_streams_the_runtime_text_without_think_prefix(bridge_factory):
    bridge = bridge_factory()
    pb2 = bridge.pb2
    bridge.reset_state()

    outcome = bridge.generate("Write a sentence about rivers.")

    assert outcome.code == grpc.StatusCode.OK, outcome.describe() + "\n" + bridge.describe()
    state = bridge.state()
    assert state["generated_text"], f"the emulator generated nothing: {state}"
    expected = strip_think_prefix(state["generated_text"][-1])
    assert outcome.deltas, outcome.describe()
    assert outcome.text == expected, f"streamed {outcome.text!r}, the runtime generated {expected!r}"
    assert all(outcome.deltas), f"an empty delta was relayed: {outcome.deltas!r}"

    # `done` is the last event, exactly once.
    assert outcome.events[-1].WhichOneof("event") == "done", outcome.describe()
    assert sum(e.WhichOneof("event") == "done" for e in outcome.events) == 1, outcome.describe()
    done = outcome.done
    assert done.finish_reason == pb2.FINISH_REASON_STOP, done
    assert done.model == MODEL, done
    assert done.usage.estimated is True, done
    assert done.usage.completion_tokens > 0, done
    assert done.usage.prompt_tokens > 0, done
    assert done.HasField("timings"), done
    timings = done.timings
    assert timings.total_ms > 0, done
    assert timings.generation_ms > 0, done
    assert 0 < timings.time_to_first_token_ms <= timings.total_ms, done
    assert timings.queue_ms >= 0, done
    assert timings.generation_ms <= timings.total_ms, done
    assert timings.tokens_per_second > 0, done
    # Generate is stateless: it never continues a held conversation.
    assert done.context_reused is False, done

    # The runtime got a reset (generate is stateless) and then exactly this prompt.
    assert kinds(state) == ["reset", "generate"], state["calls"]
    assert generate_calls(state)[0]["prompt"] == "Write a sentence about rivers."
    assert state["generations"][-1]["outcome"] == "eos", state["generations"]


def test_generate_system_prompt_reaches_the_reset(bridge_factory):
    bridge = bridge_factory()
    bridge.reset_state()
    outcome = bridge.generate("Hello there.", system="You answer in one line.")
    assert outcome.code == grpc.StatusCode.OK, outcome.describe()
    resets = [call for call in bridge.state()["calls"] if call["kind"] == "reset"]
    assert resets and resets[-1]["system_prompt"] == "You answer in one line.", resets


# --------------------------------------------------------------------------------------------
# 2. Chat: continuing the held conversation vs. editing history


def test_chat_turn_that_extends_the_conversation_reuses_context(bridge_factory):
    bridge = bridge_factory()
    pb2 = bridge.pb2
    user1, user2 = "Tell me about the sea.", "And about mountains?"

    def message(role, content):
        return pb2.ChatMessage(role=role, content=content)

    first = bridge.chat([message(pb2.ROLE_USER, user1)])
    assert first.code == grpc.StatusCode.OK, first.describe() + "\n" + bridge.describe()
    assert first.done.finish_reason == pb2.FINISH_REASON_STOP, first.done
    reply1 = first.text
    assert reply1, first.describe()
    state = bridge.state()
    assert generate_calls(state)[-1]["prompt"] == user1, state["calls"]

    # Second turn: exactly what was streamed goes back as the assistant message.
    bridge.reset_state()
    second = bridge.chat([message(pb2.ROLE_USER, user1), message(pb2.ROLE_ASSISTANT, reply1),
                          message(pb2.ROLE_USER, user2)])
    assert second.code == grpc.StatusCode.OK, second.describe() + "\n" + bridge.describe()
    assert second.done.context_reused is True, f"an extending turn did not reuse the context: {second.done}"
    state = bridge.state()
    # Between the first turn's generate and this one: no reset, and only the new user text sent.
    assert kinds(state) == ["generate"], f"expected one generate and no reset: {state['calls']}"
    assert generate_calls(state)[0]["prompt"] == user2, state["calls"]
    assert second.text == strip_think_prefix(state["generated_text"][-1])

    # A turn that edits history cannot continue the cache: reset, history replayed in the prompt.
    bridge.reset_state()
    edited = "Tell me about the desert."
    third = bridge.chat([message(pb2.ROLE_USER, edited), message(pb2.ROLE_ASSISTANT, reply1),
                         message(pb2.ROLE_USER, user2)])
    assert third.code == grpc.StatusCode.OK, third.describe() + "\n" + bridge.describe()
    assert third.done.context_reused is False, f"an edited history reused the context: {third.done}"
    state = bridge.state()
    assert kinds(state) == ["reset", "generate"], f"expected a reset before the generate: {state['calls']}"
    prompt = generate_calls(state)[0]["prompt"]
    assert edited in prompt and prompt.endswith(user2), f"the history is not in the prompt: {prompt!r}"


def test_chat_edited_assistant_turn_resets(bridge_factory):
    """An assistant turn that differs from what was streamed is an edit as well."""
    bridge = bridge_factory()
    pb2 = bridge.pb2
    user1, user2 = "Name a colour.", "Why that one?"
    first = bridge.chat([pb2.ChatMessage(role=pb2.ROLE_USER, content=user1)])
    assert first.code == grpc.StatusCode.OK, first.describe()

    bridge.reset_state()
    second = bridge.chat([pb2.ChatMessage(role=pb2.ROLE_USER, content=user1),
                          pb2.ChatMessage(role=pb2.ROLE_ASSISTANT, content=first.text + " Indeed."),
                          pb2.ChatMessage(role=pb2.ROLE_USER, content=user2)])
    assert second.code == grpc.StatusCode.OK, second.describe()
    assert second.done.context_reused is False, second.done
    assert kinds(bridge.state()) == ["reset", "generate"], bridge.state()["calls"]


def test_chat_after_a_cut_reply_or_a_new_system_prompt_resets(bridge_factory):
    """Only a reply that ended by itself is continuable: after max_tokens the runtime holds text
    the client never saw. A different system prompt is a different conversation."""
    bridge = bridge_factory()
    pb2 = bridge.pb2
    user1, user2, user3 = "Explain tides.", "Shorter, please.", "Thanks. One more fact?"

    cut = bridge.chat([pb2.ChatMessage(role=pb2.ROLE_USER, content=user1)],
                      options=pb2.SamplingOptions(max_tokens=3))
    assert cut.code == grpc.StatusCode.OK, cut.describe()
    assert cut.done.finish_reason == pb2.FINISH_REASON_LENGTH, cut.done

    bridge.reset_state()
    history = [pb2.ChatMessage(role=pb2.ROLE_USER, content=user1),
               pb2.ChatMessage(role=pb2.ROLE_ASSISTANT, content=cut.text),
               pb2.ChatMessage(role=pb2.ROLE_USER, content=user2)]
    after_cut = bridge.chat(history)
    assert after_cut.code == grpc.StatusCode.OK, after_cut.describe()
    assert after_cut.done.context_reused is False, f"continued after a cut reply: {after_cut.done}"
    assert kinds(bridge.state()) == ["reset", "generate"], bridge.state()["calls"]

    # That reply ended by itself: the next turn continues it...
    bridge.reset_state()
    history += [pb2.ChatMessage(role=pb2.ROLE_ASSISTANT, content=after_cut.text),
                pb2.ChatMessage(role=pb2.ROLE_USER, content=user3)]
    continued = bridge.chat(history)
    assert continued.code == grpc.StatusCode.OK, continued.describe()
    assert continued.done.context_reused is True, continued.done
    assert kinds(bridge.state()) == ["generate"], bridge.state()["calls"]

    # ...but not under another system prompt.
    bridge.reset_state()
    system = pb2.ChatMessage(role=pb2.ROLE_SYSTEM, content="You are a pirate.")
    history += [pb2.ChatMessage(role=pb2.ROLE_ASSISTANT, content=continued.text),
                pb2.ChatMessage(role=pb2.ROLE_USER, content="And the moon?")]
    other_system = bridge.chat([system, *history])
    assert other_system.code == grpc.StatusCode.OK, other_system.describe()
    assert other_system.done.context_reused is False, other_system.done
    state = bridge.state()
    assert kinds(state) == ["reset", "generate"], state["calls"]
    assert [c for c in accepted(state) if c["kind"] == "reset"][0]["system_prompt"] == "You are a pirate."


def test_generate_between_chat_turns_breaks_reuse(bridge_factory):
    """Generate resets the runtime, so a chat turn after it cannot continue the cache."""
    bridge = bridge_factory()
    pb2 = bridge.pb2
    first = bridge.chat([pb2.ChatMessage(role=pb2.ROLE_USER, content="Hi!")])
    assert first.code == grpc.StatusCode.OK, first.describe()
    assert bridge.generate("Unrelated.").code == grpc.StatusCode.OK
    bridge.reset_state()
    second = bridge.chat([pb2.ChatMessage(role=pb2.ROLE_USER, content="Hi!"),
                          pb2.ChatMessage(role=pb2.ROLE_ASSISTANT, content=first.text),
                          pb2.ChatMessage(role=pb2.ROLE_USER, content="How are you?")])
    assert second.code == grpc.StatusCode.OK, second.describe()
    assert second.done.context_reused is False, second.done
    assert kinds(bridge.state()) == ["reset", "generate"], bridge.state()["calls"]


# --------------------------------------------------------------------------------------------
# 3. Sampling is resolved per request


def test_sampling_options_are_not_sticky(bridge_factory):
    """Each request sends its temperature and exactly one filter, so nothing of the previous
    request stays in force: the emulator's effective sampler is what each request asked for."""
    bridge = bridge_factory()
    pb2 = bridge.pb2
    bridge.reset_state()

    nucleus = bridge.generate("Say something.", options=pb2.SamplingOptions(temperature=0.5, top_p=0.9))
    assert nucleus.code == grpc.StatusCode.OK, nucleus.describe()
    nucleus_call = generate_calls(bridge.state())[-1]
    sampler = bridge.state()["generations"][-1]["sampling"]
    assert sampler["mode"] == "top_p" and sampler["top_p"] == pytest.approx(0.9), sampler
    assert sampler["temperature_enabled"] and sampler["temperature"] == pytest.approx(0.5), sampler
    assert "top-k" not in nucleus_call["keys_present"], "a top-k key would switch top-p off"

    without = bridge.generate("Say something.")
    assert without.code == grpc.StatusCode.OK, without.describe()
    sampler = bridge.state()["generations"][-1]["sampling"]
    # The model's defaults (qwen3:4b: temperature off, top-k 1), not the previous request's values.
    assert sampler["mode"] == "greedy" and sampler["top_k"] == 1, sampler
    assert not sampler["temperature_enabled"], sampler
    assert not sampler["top_p_enabled"], sampler


def test_top_k_wins_over_top_p_and_a_penalty_is_refused(bridge_factory):
    bridge = bridge_factory()
    pb2 = bridge.pb2
    bridge.reset_state()
    both = bridge.generate("One.", options=pb2.SamplingOptions(temperature=0.2, top_k=7, top_p=0.5))
    assert both.code == grpc.StatusCode.OK, both.describe()
    call = generate_calls(bridge.state())[-1]
    assert call["top_k"] == 7 and "top-p" not in call["keys_present"], call
    refused = bridge.generate("Two.", options=pb2.SamplingOptions(repetition_penalty=1.3))
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT, refused.describe()
    assert "repetition_penalty" in refused.details, refused.describe()
    assert not bridge.state()["sampling"]["repetition_penalty_enabled"], "the penalty never reached the runtime"


# --------------------------------------------------------------------------------------------
# 10. max_tokens and stop sequences


def test_max_tokens_ends_with_length(bridge_factory):
    bridge = bridge_factory()
    pb2 = bridge.pb2
    prompt = "Describe a forest in detail."
    full = bridge.generate(prompt)
    assert full.code == grpc.StatusCode.OK, full.describe()
    assert full.done.usage.completion_tokens > 10, f"the full reply is too short for this test: {full.describe()}"

    bridge.reset_state()
    capped = bridge.generate(prompt, options=pb2.SamplingOptions(max_tokens=5))
    assert capped.code == grpc.StatusCode.OK, capped.describe() + "\n" + bridge.describe()
    done = capped.done
    assert done.finish_reason == pb2.FINISH_REASON_LENGTH, done
    # Whole runtime chunks (3 tokens each) are relayed, so the count may pass 5 a little.
    assert 5 <= done.usage.completion_tokens <= 10, done
    assert done.usage.completion_tokens < full.done.usage.completion_tokens, (done, full.done)
    assert capped.text and full.text.startswith(capped.text), (capped.text, full.text)
    assert len(capped.text) < len(full.text), (capped.text, full.text)
    # The bridge stopped the runtime rather than letting it run to the end.
    generation = settled_state(bridge)["generations"][-1]
    assert generation["outcome"] == "stopped", generation


def test_stop_sequence_cuts_before_the_first_occurrence(bridge_factory):
    bridge = bridge_factory()
    pb2 = bridge.pb2
    prompt = "Tell a short story about a lighthouse."
    full = bridge.generate(prompt)
    assert full.code == grpc.StatusCode.OK, full.describe()
    text = full.text
    words = text.split()
    assert len(words) >= 6, f"too few words to pick a stop sequence from: {text!r}"
    # A word from the middle whose first occurrence (as a substring) is well inside the text.
    candidates = [w for w in words[len(words) // 3: 2 * len(words) // 3 + 1]
                  if len(w) >= 3 and text.index(w) > 0]
    assert candidates, f"no usable stop word in {text!r}"
    word = candidates[0]
    expected = text[:text.index(word)]

    bridge.reset_state()
    cut = bridge.generate(prompt, options=pb2.SamplingOptions(stop=[word]))
    assert cut.code == grpc.StatusCode.OK, cut.describe() + "\n" + bridge.describe()
    assert cut.done.finish_reason == pb2.FINISH_REASON_STOP_SEQUENCE, cut.done
    assert cut.text == expected, f"stop={word!r}: got {cut.text!r}, want {expected!r}"
    assert word not in cut.text
    for delta in cut.deltas:
        assert word not in delta, cut.deltas
    # Same request, same deterministic reply: the runtime generated the same text up to the cut.
    generated = strip_think_prefix(settled_state(bridge)["generated_text"][-1])
    assert generated.startswith(expected), (generated, expected)


def test_stop_sequence_not_in_text_finishes_normally(bridge_factory):
    bridge = bridge_factory()
    pb2 = bridge.pb2
    outcome = bridge.generate("Hi.", options=pb2.SamplingOptions(stop=["\u2603never-generated\u2603"]))
    assert outcome.code == grpc.StatusCode.OK, outcome.describe()
    assert outcome.done.finish_reason == pb2.FINISH_REASON_STOP, outcome.done
    assert outcome.text == strip_think_prefix(bridge.state()["generated_text"][-1])


# --------------------------------------------------------------------------------------------
# 11. Validation, ListModels, Health


def test_invalid_requests_fail_before_reaching_the_runtime(bridge_factory):
    bridge = bridge_factory()
    pb2 = bridge.pb2
    bridge.reset_state()
    user = pb2.ChatMessage(role=pb2.ROLE_USER, content="hello")
    assistant = pb2.ChatMessage(role=pb2.ROLE_ASSISTANT, content="hi")
    cases = [
        ("empty prompt", lambda: bridge.generate(""), grpc.StatusCode.INVALID_ARGUMENT),
        ("blank prompt", lambda: bridge.generate("   \n"), grpc.StatusCode.INVALID_ARGUMENT),
        ("chat without messages", lambda: bridge.chat([]), grpc.StatusCode.INVALID_ARGUMENT),
        ("chat ending with the assistant", lambda: bridge.chat([user, assistant]),
         grpc.StatusCode.INVALID_ARGUMENT),
        ("chat ending with a system message",
         lambda: bridge.chat([user, pb2.ChatMessage(role=pb2.ROLE_SYSTEM, content="be brief")]),
         grpc.StatusCode.INVALID_ARGUMENT),
        ("ROLE_UNSPECIFIED last", lambda: bridge.chat([pb2.ChatMessage(content="who am I")]),
         grpc.StatusCode.INVALID_ARGUMENT),
        ("ROLE_UNSPECIFIED earlier",
         lambda: bridge.chat([pb2.ChatMessage(content="who am I"), assistant, user]),
         grpc.StatusCode.INVALID_ARGUMENT),
        ("unknown model (Generate)", lambda: bridge.generate("hello", model="llama-9000"),
         grpc.StatusCode.NOT_FOUND),
        ("unknown model (Chat)", lambda: bridge.chat([user], model="llama-9000"),
         grpc.StatusCode.NOT_FOUND),
    ]
    failures = []
    for name, call, want in cases:
        outcome = call()
        if outcome.code != want:
            failures.append(f"{name}: want {want}, got {outcome.describe()}")
        elif not outcome.details:
            failures.append(f"{name}: {want} without a message")
        elif outcome.events:
            failures.append(f"{name}: events before the error: {outcome.describe()}")
    assert not failures, "\n".join(failures)

    state = bridge.state()
    assert state["generate_calls"] == 0 and state["resets"] == 0, f"a rejected request reached the runtime: {state['calls']}"

    # The model's own name (and the empty default) are accepted.
    assert bridge.generate("hello", model=MODEL).code == grpc.StatusCode.OK
    assert bridge.chat([user], model="").code == grpc.StatusCode.OK


def test_list_models_and_health_report_the_emulated_model(bridge_factory):
    bridge = bridge_factory()
    pb2 = bridge.pb2
    models = bridge.stub.ListModels(pb2.ListModelsRequest(), timeout=10).models
    by_name = {m.name: m for m in models}
    assert MODEL in by_name, models
    model = by_name[MODEL]
    assert model.emulated is True, model
    assert model.is_default is True, model
    assert model.loaded is True, model
    assert model.context_length > 0, model

    health = bridge.health()
    assert health.emulated is True, health
    assert health.model == MODEL, health
    assert health.status == pb2.SERVING_STATUS_SERVING, health
    assert health.runtime_state == pb2.RUNTIME_STATE_READY, health
    assert health.queue_capacity == 16, health
    assert health.queue_depth == 0, health
    assert health.runtime_restarts == 0, health
