"""The HTTP gateway's Ollama API through the official `ollama` Python package (and httpx for
what the package does not expose): generate and chat, streaming and not, list/show/ps, the same
text as the gRPC Generate/Chat for the same request, option mapping checked at the emulator,
a full queue as the client's 503, mid-stream failures, and client disconnects that stop the
runtime."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from gateway_helpers import MODEL, SLOW_EMULATOR, emulator_state, grpc_text, settle, wait_ready, wait_until

ollama = pytest.importorskip("ollama")

OLLAMA_BUSY = "server busy, please try again.  maximum pending requests exceeded"


# --------------------------------------------------------------------------------------------
# Helpers


def assert_final_statistics(final) -> None:
    assert final.done is True
    assert final.done_reason in ("stop", "length"), final
    for field in ("total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration",
                  "eval_count", "eval_duration"):
        value = getattr(final, field)
        assert isinstance(value, int) and value >= 0, f"{field}={value!r}"
    assert final.eval_count > 0 and final.prompt_eval_count > 0, final
    assert final.total_duration >= final.prompt_eval_duration + final.eval_duration
    # created_at is RFC 3339.
    assert final.created_at and "T" in final.created_at, final.created_at


@pytest.fixture(scope="module")
def client(gateway):
    wait_ready(gateway)
    return ollama.Client(host=gateway.http_url, timeout=60)


# --------------------------------------------------------------------------------------------
# Server and models


def test_root_says_ollama_is_running(gateway):
    reply = httpx.get(f"{gateway.http_url}/", timeout=5)
    assert reply.status_code == 200
    assert reply.text == "Ollama is running"
    head = httpx.head(f"{gateway.http_url}/", timeout=5)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len("Ollama is running"))


def test_version(gateway):
    reply = httpx.get(f"{gateway.http_url}/api/version", timeout=5)
    assert reply.status_code == 200
    assert reply.json()["version"]


def test_list(client):
    models = client.list().models
    names = [m.model for m in models]
    assert MODEL in names, names
    entry = models[names.index(MODEL)]
    assert entry.details.family == "qwen3"
    assert entry.details.parameter_size and entry.details.quantization_level
    assert entry.modified_at is not None and entry.digest


def test_show(client):
    shown = client.show(MODEL)
    assert shown.details.family == "qwen3"
    assert shown.modelinfo["qwen3.context_length"] > 0
    assert "completion" in shown.capabilities
    with pytest.raises(ollama.ResponseError) as info:
        client.show("no-such-model")
    assert info.value.status_code == 404


def test_ps_lists_the_loaded_model(client):
    running = client.ps().models
    assert [m.model for m in running] == [MODEL]
    assert running[0].context_length > 0
    assert running[0].expires_at is not None


# --------------------------------------------------------------------------------------------
# Generation


def test_generate_equals_grpc(client, gateway, protos):
    prompt = "Why is the sky blue?"
    expected = grpc_text(protos, gateway, prompt=prompt)
    reply = client.generate(model=MODEL, prompt=prompt, stream=False)
    assert reply.response == expected
    assert reply.model == MODEL
    assert_final_statistics(reply)
    assert reply.done_reason == "stop"


def test_generate_stream_equals_grpc(client, gateway, protos):
    prompt = "Tell me about the AX650."
    expected = grpc_text(protos, gateway, prompt=prompt, system="Answer briefly.")
    parts = list(client.generate(model=MODEL, prompt=prompt, system="Answer briefly.", stream=True))
    assert len(parts) >= 2, parts
    assert all(not p.done for p in parts[:-1])
    assert "".join(p.response for p in parts) == expected
    assert parts[-1].response == ""
    assert_final_statistics(parts[-1])


def test_chat_equals_grpc(client, gateway, protos):
    messages = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hello there"}]
    expected = grpc_text(protos, gateway, messages=messages)
    reply = client.chat(model=MODEL, messages=messages, stream=False)
    assert reply.message.role == "assistant"
    assert reply.message.content == expected
    assert_final_statistics(reply)


def test_chat_stream_equals_grpc(client, gateway, protos):
    messages = [{"role": "user", "content": "Count to three"}]
    expected = grpc_text(protos, gateway, messages=messages)
    parts = list(client.chat(model=MODEL, messages=messages, stream=True))
    assert all(p.message.role == "assistant" for p in parts)
    assert "".join(p.message.content or "" for p in parts) == expected
    assert parts[-1].done and not any(p.done for p in parts[:-1])
    assert_final_statistics(parts[-1])


def test_chat_continues_a_conversation(client):
    first = client.chat(model=MODEL, messages=[{"role": "user", "content": "Name a colour"}])
    history = [{"role": "user", "content": "Name a colour"},
               {"role": "assistant", "content": first.message.content},
               {"role": "user", "content": "And another one"}]
    second = client.chat(model=MODEL, messages=history)
    assert second.message.content and second.done


def test_options_reach_the_runtime(client, gateway):
    """temperature, top_k, top_p are sent to the runtime; num_predict limits the reply;
    unsupported options (seed, num_ctx) are ignored, not errors; a repeat_penalty above 1 is
    refused (the runtime cannot switch its sticky penalty off again)."""
    with pytest.raises(ollama.ResponseError) as refused:
        client.generate(model=MODEL, prompt="options check", stream=False, options={"repeat_penalty": 1.1})
    assert refused.value.status_code == 400 and "options.repeat_penalty" in refused.value.error
    reply = client.generate(model=MODEL, prompt="options check", stream=False,
                            options={"temperature": 0.5, "top_p": 0.7, "repeat_penalty": 1.0,
                                     "num_predict": 4, "seed": 42, "num_ctx": 4096, "mirostat": 0})
    assert reply.done_reason == "length", reply
    assert reply.eval_count == 4, reply
    last = [c for c in emulator_state(gateway)["calls"] if c.get("kind") == "generate"][-1]
    assert last["temperature"] == pytest.approx(0.5)
    assert last["top_p"] == pytest.approx(0.7)
    assert "top-k" not in last["keys_present"], "top_p alone: a top-k key would switch it off"
    client.generate(model=MODEL, prompt="options check", stream=False,
                    options={"top_k": 3, "top_p": 0.7, "num_predict": 2})
    last = [c for c in emulator_state(gateway)["calls"] if c.get("kind") == "generate"][-1]
    assert last["top_k"] == 3 and "top-p" not in last["keys_present"], "top_k wins when both are set"


def test_stop_sequence_cuts_the_text(client, gateway, protos):
    prompt = "stop sequence check"
    full = grpc_text(protos, gateway, prompt=prompt)
    words = full.split(" ")
    assert len(words) > 6, full
    stop = " " + words[4]
    reply = client.generate(model=MODEL, prompt=prompt, stream=False, options={"stop": [stop]})
    assert reply.response == full[:full.index(stop)]
    assert reply.done_reason == "stop"


def test_model_latest_tag_is_accepted(client):
    reply = client.generate(model=MODEL + ":latest", prompt="tag check", stream=False)
    assert reply.done and reply.response


def test_load_request_without_prompt(client):
    """`ollama run` first sends a request without a prompt to load the model."""
    reply = client.generate(model=MODEL)
    assert reply.done and reply.done_reason == "load" and reply.response == ""
    chat = client.chat(model=MODEL, messages=[])
    assert chat.done and chat.done_reason == "load"


# --------------------------------------------------------------------------------------------
# Errors


def test_unknown_model_is_404(client):
    with pytest.raises(ollama.ResponseError) as info:
        client.generate(model="llama3:70b", prompt="hi", stream=False)
    assert info.value.status_code == 404
    assert "llama3:70b" in info.value.error
    with pytest.raises(ollama.ResponseError) as info:
        list(client.chat(model="llama3:70b", messages=[{"role": "user", "content": "hi"}], stream=True))
    assert info.value.status_code == 404


def test_bad_requests_are_400(client, gateway):
    with pytest.raises(ollama.ResponseError) as info:
        client.chat(model=MODEL, messages=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}])
    assert info.value.status_code == 400
    assert "user" in info.value.error
    with pytest.raises(ollama.ResponseError) as info:
        client.generate(model=MODEL, prompt="   ", stream=False)
    assert info.value.status_code == 400
    with pytest.raises(ollama.ResponseError) as info:
        client.generate(model=MODEL, prompt="x", options={"temperature": "hot"})
    assert info.value.status_code == 400 and "temperature" in info.value.error
    for body in (b"{not json", b"[1, 2]", b""):
        reply = httpx.post(f"{gateway.http_url}/api/generate", content=body, timeout=5)
        assert reply.status_code == 400, body
        assert isinstance(reply.json()["error"], str)


def test_full_queue_is_503(gateway_factory):
    """One running, one waiting (--queue-capacity 1): the next request gets Ollama's 503."""
    server = gateway_factory("--queue-capacity", "1", emulator_args=SLOW_EMULATOR)
    wait_ready(server)
    client = ollama.Client(host=server.http_url, timeout=60)

    running = client.generate(model=MODEL, prompt="first", stream=True)
    assert next(running).response  # it is generating now
    waiting_started = threading.Event()
    waiting_result: list = []

    def wait_in_queue():
        waiting_started.set()
        stream = ollama.Client(host=server.http_url, timeout=60).generate(model=MODEL, prompt="second", stream=True)
        try:
            waiting_result.append(next(stream))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            waiting_result.append(error)
        finally:
            stream.close()

    waiter = threading.Thread(target=wait_in_queue, daemon=True)
    waiter.start()
    waiting_started.wait(5)
    wait_until(lambda: httpx.get(f"{server.http_url}/readyz", timeout=5).json()["queue_depth"] == 1, 10,
               "the second request to wait in the queue")

    rejected = []
    for prompt in ("third", "fourth"):
        with pytest.raises(ollama.ResponseError) as info:
            next(client.generate(model=MODEL, prompt=prompt, stream=True))
        rejected.append(info.value)
    with pytest.raises(ollama.ResponseError) as info:
        client.generate(model=MODEL, prompt="fifth", stream=False)
    rejected.append(info.value)
    for error in rejected:
        assert error.status_code == 503, error
        assert error.error == OLLAMA_BUSY

    # Leaving the running one lets the waiting one run.
    running.close()
    waiter.join(20)
    assert waiting_result and not isinstance(waiting_result[0], Exception), waiting_result
    settle(server)


def test_disconnect_stops_the_runtime(gateway_factory):
    server = gateway_factory(emulator_args=SLOW_EMULATOR)
    wait_ready(server)
    stops_before = emulator_state(server)["stops"]
    with httpx.Client(base_url=server.http_url, timeout=30) as http:
        with http.stream("POST", "/api/generate", json={"model": MODEL, "prompt": "long story"}) as reply:
            assert reply.status_code == 200
            assert reply.headers["content-type"].startswith("application/x-ndjson")
            first = json.loads(next(reply.iter_lines()))
            assert first["done"] is False
    # The connection is closed: the runtime must hear a stop soon after.
    wait_until(lambda: emulator_state(server)["stops"] > stops_before, 2.0, "the emulator's stop counter")
    # ...and the gateway still serves.
    assert ollama.Client(host=server.http_url).generate(model=MODEL, prompt="after", options={"num_predict": 2}).done


def test_mid_stream_failure_is_an_error_line(gateway_factory):
    """The runtime dies after a few tokens: the NDJSON stream ends with an {"error": ...} line,
    which the client raises."""
    server = gateway_factory("--restart-backoff-ms", "100",
                             emulator_args="--tokens-per-second 200 --ttft-ms 5 --prefill-ms-per-chunk 5 "
                                           "--reply-tokens 40 --crash-after-tokens 12")
    wait_ready(server)
    client = ollama.Client(host=server.http_url, timeout=60)
    received = []
    with pytest.raises(ollama.ResponseError) as info:
        for part in client.generate(model=MODEL, prompt="crash please", stream=True):
            received.append(part)
    assert received, "the failure came before any text: expected a mid-stream error"
    assert info.value.error
    # The raw line has the Ollama error shape.
    wait_ready(server)
    with httpx.stream("POST", f"{server.http_url}/api/generate", json={"model": MODEL, "prompt": "again"},
                      timeout=30) as reply:
        lines = [json.loads(line) for line in reply.iter_lines() if line]
    assert "error" in lines[-1] or lines[-1].get("done") is True, lines[-1]
    wait_ready(server)


def _send_raw_generate(server, prompt: str):
    """A streaming /api/generate on a raw socket, so the test decides when the connection closes
    (before any byte of the answer has arrived)."""
    import socket

    body = json.dumps({"model": MODEL, "prompt": prompt}).encode()
    sock = socket.create_connection((server.http_host, server.http_port), timeout=10)
    sock.sendall(b"POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return sock


def test_disconnect_while_queued_leaves_the_queue(gateway_factory):
    """No byte is written while a request waits, so only the closed connection itself can tell."""
    server = gateway_factory("--queue-capacity", "2", emulator_args=SLOW_EMULATOR)
    wait_ready(server)
    client = ollama.Client(host=server.http_url, timeout=60)
    running = client.generate(model=MODEL, prompt="occupy", stream=True)
    assert next(running).response

    def depth():
        return httpx.get(f"{server.http_url}/readyz", timeout=5).json()["queue_depth"]

    waiting = _send_raw_generate(server, "wait for me")
    wait_until(lambda: depth() == 1, 10, "the raw request to wait in the queue")
    waiting.close()
    wait_until(lambda: depth() == 0, 2.0, "the closed request to leave the queue")
    running.close()
    settle(server)


def test_disconnect_during_prompt_processing_stops_the_runtime(gateway_factory):
    """A long prefill (no text yet, so nothing written): closing the connection still stops it."""
    server = gateway_factory(emulator_args="--tokens-per-second 50 --ttft-ms 8000 --prefill-ms-per-chunk 5")
    wait_ready(server)
    stops_before = emulator_state(server)["stops"]
    sock = _send_raw_generate(server, "think long")
    wait_until(lambda: emulator_state(server)["phase"] == "prefill", 5, "the runtime to process the prompt")
    sock.close()
    wait_until(lambda: emulator_state(server)["stops"] > stops_before, 2.0, "the emulator's stop counter")
    settle(server)
