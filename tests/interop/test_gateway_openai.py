"""The HTTP gateway's OpenAI API through the official `openai` Python package: chat completions
and completions, streaming (SSE) and not, usage, models, errors in OpenAI's shape, the same text
as the gRPC face, a full queue as 503, and a client that closes its stream stopping the runtime."""

from __future__ import annotations

import threading

import httpx
import pytest

from gateway_helpers import MODEL, SLOW_EMULATOR, emulator_state, grpc_text, settle, wait_ready, wait_until

openai = pytest.importorskip("openai")



# --------------------------------------------------------------------------------------------
# Helpers


def make_client(server) -> "openai.OpenAI":
    # No retries: the tests want to see each status, not the client's recovery from it.
    return openai.OpenAI(base_url=f"{server.http_url}/v1", api_key="unused", max_retries=0, timeout=60)


@pytest.fixture(scope="module")
def client(gateway):
    wait_ready(gateway)
    return make_client(gateway)


def assert_usage(usage) -> None:
    assert usage is not None
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


# --------------------------------------------------------------------------------------------
# Models


def test_models_list(client):
    ids = [model.id for model in client.models.list()]
    assert ids == [MODEL]
    model = client.models.retrieve(MODEL)
    assert model.id == MODEL and model.object == "model"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


# --------------------------------------------------------------------------------------------
# Chat completions


def test_chat_completion_equals_grpc(client, gateway, protos):
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is an NPU?"}]
    expected = grpc_text(protos, gateway, messages=messages)
    completion = client.chat.completions.create(model=MODEL, messages=messages)
    assert completion.object == "chat.completion"
    assert completion.model == MODEL
    assert completion.id.startswith("chatcmpl-")
    choice = completion.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == expected
    assert choice.finish_reason == "stop"
    assert_usage(completion.usage)


def test_chat_completion_stream_equals_grpc(client, gateway, protos):
    messages = [{"role": "user", "content": "Stream me something"}]
    expected = grpc_text(protos, gateway, messages=messages)
    chunks = list(client.chat.completions.create(model=MODEL, messages=messages, stream=True,
                                                 stream_options={"include_usage": True}))
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1, "every chunk of one completion has the same id"
    with_choices = [c for c in chunks if c.choices]
    assert with_choices[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in with_choices)
    assert text == expected
    assert [c.choices[0].finish_reason for c in with_choices][-1] == "stop"
    assert all(c.choices[0].finish_reason is None for c in with_choices[:-1])
    # include_usage: one last chunk without choices, with usage.
    assert not chunks[-1].choices
    assert_usage(chunks[-1].usage)


def test_chat_completion_limits(client):
    completion = client.chat.completions.create(model=MODEL, max_tokens=3,
                                                messages=[{"role": "user", "content": "limit me"}])
    assert completion.choices[0].finish_reason == "length"
    completion = client.chat.completions.create(model=MODEL, max_completion_tokens=3, temperature=0.2, top_p=0.9,
                                                seed=7, presence_penalty=0.5,
                                                messages=[{"role": "user", "content": "limit me"}])
    assert completion.choices[0].finish_reason == "length"


def test_chat_completion_content_parts(client, gateway, protos):
    expected = grpc_text(protos, gateway, messages=[{"role": "user", "content": "parts"}])
    completion = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": [{"type": "text", "text": "parts"}]}])
    assert completion.choices[0].message.content == expected


def test_stop_as_string_and_list(client, gateway, protos):
    full = grpc_text(protos, gateway, messages=[{"role": "user", "content": "stop here"}])
    words = full.split(" ")
    assert len(words) > 6, full
    stop = " " + words[3]
    for value in (stop, [stop, "never-in-the-text"]):
        completion = client.chat.completions.create(model=MODEL, stop=value,
                                                    messages=[{"role": "user", "content": "stop here"}])
        assert completion.choices[0].message.content == full[:full.index(stop)]
        assert completion.choices[0].finish_reason == "stop"


# --------------------------------------------------------------------------------------------
# Completions


def test_completion_equals_grpc(client, gateway, protos):
    prompt = "Once upon a time"
    expected = grpc_text(protos, gateway, prompt=prompt)
    completion = client.completions.create(model=MODEL, prompt=prompt)
    assert completion.object == "text_completion"
    assert completion.choices[0].text == expected
    assert completion.choices[0].finish_reason == "stop"
    assert_usage(completion.usage)

    chunks = list(client.completions.create(model=MODEL, prompt=prompt, stream=True))
    assert "".join(c.choices[0].text for c in chunks) == expected
    assert chunks[-1].choices[0].finish_reason == "stop"


# --------------------------------------------------------------------------------------------
# Errors


def test_unknown_model_is_404(client):
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert info.value.status_code == 404
    assert info.value.code == "model_not_found"
    assert "gpt-4o" in info.value.message


def test_bad_requests_are_400(client, gateway):
    cases = [
        dict(messages=[]),
        dict(messages=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]),
        dict(messages=[{"role": "critic", "content": "42"}]),
        dict(messages=[{"role": "user", "content": "hi"}], max_tokens=0),
        dict(messages=[{"role": "user", "content": "hi"}], n=2),
    ]
    for case in cases:
        with pytest.raises(openai.BadRequestError) as info:
            client.chat.completions.create(model=MODEL, **case)
        assert info.value.status_code == 400, case
        assert info.value.type == "invalid_request_error", case
    reply = httpx.post(f"{gateway.http_url}/v1/chat/completions", content=b"{oops", timeout=5)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert set(error) >= {"message", "type", "code"} and error["code"] == "invalid_json"


def test_full_queue_is_503(gateway_factory):
    server = gateway_factory("--queue-capacity", "1", emulator_args=SLOW_EMULATOR)
    wait_ready(server)
    client = make_client(server)
    messages = [{"role": "user", "content": "busy"}]
    running = client.chat.completions.create(model=MODEL, messages=messages, stream=True)
    next(iter(running))

    def wait_in_queue():
        try:
            with make_client(server).chat.completions.create(model=MODEL, messages=messages, stream=True) as queued:
                next(iter(queued))
        except Exception:  # noqa: BLE001 - only here to occupy the queue
            pass

    waiter = threading.Thread(target=wait_in_queue, daemon=True)
    waiter.start()
    wait_until(lambda: httpx.get(f"{server.http_url}/readyz", timeout=5).json()["queue_depth"] == 1, 10,
               "a request waiting in the queue")
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model=MODEL, messages=messages)
    assert info.value.status_code == 503
    assert info.value.code == "server_busy"
    assert int(info.value.response.headers["retry-after"]) >= 1
    running.close()
    waiter.join(20)
    settle(server)


def test_closing_the_stream_stops_the_runtime(gateway_factory):
    server = gateway_factory(emulator_args=SLOW_EMULATOR)
    wait_ready(server)
    client = make_client(server)
    stops_before = emulator_state(server)["stops"]
    with client.chat.completions.create(model=MODEL, stream=True,
                                        messages=[{"role": "user", "content": "a long answer"}]) as stream:
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                break
    wait_until(lambda: emulator_state(server)["stops"] > stops_before, 2.0, "the emulator's stop counter")
    # The queue is free again: the next request runs at once.
    completion = client.chat.completions.create(model=MODEL, max_tokens=2,
                                                messages=[{"role": "user", "content": "next"}])
    assert completion.choices[0].finish_reason == "length"


def test_mid_stream_failure_is_an_error_event(gateway_factory):
    server = gateway_factory("--restart-backoff-ms", "100",
                             emulator_args="--tokens-per-second 200 --ttft-ms 5 --prefill-ms-per-chunk 5 "
                                           "--reply-tokens 40 --crash-after-tokens 12")
    wait_ready(server)
    client = make_client(server)
    received = []
    with pytest.raises(openai.APIError) as info:
        for chunk in client.chat.completions.create(model=MODEL, stream=True,
                                                    messages=[{"role": "user", "content": "crash"}]):
            received.append(chunk)
    assert received
    assert info.value.message
    wait_ready(server)
