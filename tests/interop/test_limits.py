"""The limits of LimitOptions with real clients: each one answers the offending client with the
right status (RESOURCE_EXHAUSTED, INVALID_ARGUMENT / 400, GOAWAY ENHANCE_YOUR_CALM, 413, 431),
logs a line, and leaves other clients alone."""
from __future__ import annotations

import socket
import time

import grpc
import httpx
import pytest

from gateway_helpers import MODEL
from interop_helpers import EMPTY_MESSAGE_FRAME, HEALTH_PATH, RawH2Connection, poll_until

openai = pytest.importorskip("openai")

ENHANCE_YOUR_CALM = 0xB


def health(channel):
    return channel.unary_unary("/axrpc.v1.Inference/Health", request_serializer=lambda b: b,
                               response_deserializer=lambda b: b)(b"", timeout=10)


def logged(server, text: str, within: float = 3.0) -> bool:
    """Whether the server logged `text`; waits a little, since its stderr is read by a thread."""
    deadline = time.monotonic() + within
    while True:
        if any(text in line for line in server.stderr_lines):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def test_connections_over_the_limit_get_goaway_enhance_your_calm(server_factory):
    server = server_factory("--max-connections", "2")
    # Raw connections: grpcio channels with the same target share one connection.
    with RawH2Connection(server.grpc_addr) as first, RawH2Connection(server.grpc_addr) as second:
        for conn in (first, second):
            assert conn.call(HEALTH_PATH, EMPTY_MESSAGE_FRAME).grpc_status == 0
        with RawH2Connection(server.grpc_addr) as third:
            third.flush()
            while third.goaway is None and third.pump(5):
                pass
            assert third.goaway is not None, "no GOAWAY for the connection over the limit"
            assert third.goaway.error_code == ENHANCE_YOUR_CALM
            assert b"too many connections" in (third.goaway.additional_data or b"")
        # The two admitted connections are not disturbed.
        for conn in (first, second):
            assert conn.call(HEALTH_PATH, EMPTY_MESSAGE_FRAME).grpc_status == 0
        assert logged(server, "--max-connections")
    # Freed slots are usable again.
    with grpc.insecure_channel(server.grpc_addr) as fresh:
        poll_until(lambda: _succeeds(fresh), 10, "a call on a new connection after others closed")


def _succeeds(channel) -> bool:
    try:
        health(channel)
        return True
    except grpc.RpcError:
        return False


def test_http_connections_over_the_limit_get_503(gateway_factory):
    server = gateway_factory("--max-connections", "1")
    with httpx.Client(base_url=server.http_url, timeout=10) as kept:
        assert kept.get("/healthz").status_code == 200
        with httpx.Client(base_url=server.http_url, timeout=10) as other:
            refused = other.get("/healthz")
            assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        assert kept.get("/healthz").status_code == 200


def test_oversize_message_is_resource_exhausted(server_factory, protos):
    server = server_factory("--max-message-bytes", "1000")
    with grpc.insecure_channel(server.grpc_addr) as channel:
        stub = protos.pb2_grpc.InferenceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            list(stub.Generate(protos.pb2.GenerateRequest(prompt="x" * 2000), timeout=10))
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        health(channel)


def test_prompt_and_chat_limits(gateway_factory, protos):
    server = gateway_factory("--max-prompt-bytes", "100", "--max-chat-messages", "3")
    pb2 = protos.pb2
    with grpc.insecure_channel(server.grpc_addr) as channel:
        stub = protos.pb2_grpc.InferenceStub(channel)
        with pytest.raises(grpc.RpcError) as long_prompt:
            list(stub.Generate(pb2.GenerateRequest(prompt="y" * 101), timeout=10))
        assert long_prompt.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "--max-prompt-bytes" in long_prompt.value.details()
        turns = [pb2.ChatMessage(role=pb2.ROLE_USER, content="hi")] * 4
        with pytest.raises(grpc.RpcError) as many:
            list(stub.Chat(pb2.ChatRequest(messages=turns), timeout=10))
        assert many.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "--max-chat-messages" in many.value.details()
    client = openai.OpenAI(base_url=f"{server.http_url}/v1", api_key="unused", max_retries=0, timeout=30)
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "z" * 200}])
    assert "--max-prompt-bytes" in str(refused.value)
    assert logged(server, "refused a request over a limit")


def test_gateway_body_and_header_limits(gateway_factory):
    server = gateway_factory("--max-body-bytes", "1000", "--max-header-list-bytes", "2048")
    big_body = httpx.post(f"{server.http_url}/api/generate", content=b"{" + b" " * 2000 + b"}", timeout=10)
    assert big_body.status_code == 413
    big_headers = httpx.get(f"{server.http_url}/healthz", headers={"x-filler": "f" * 3000}, timeout=10)
    assert big_headers.status_code == 431
    assert httpx.get(f"{server.http_url}/healthz", timeout=10).status_code == 200
    assert logged(server, "--max-body-bytes") and logged(server, "--max-header-list-bytes")


def test_grpc_header_list_limit_resets_only_that_stream(server_factory):
    server = server_factory("--max-header-list-bytes", "2048")
    with grpc.insecure_channel(server.grpc_addr) as channel:
        call = channel.unary_unary("/axrpc.v1.Inference/Health", request_serializer=lambda b: b,
                                   response_deserializer=lambda b: b)
        with pytest.raises(grpc.RpcError):
            call(b"", timeout=10, metadata=[("x-filler", "f" * 3000)])
        health(channel)


def test_silent_connection_is_closed_after_the_first_request_timeout(server_factory):
    server = server_factory("--first-request-timeout-seconds", "0.5")
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.grpc_port), timeout=10) as silent:
        while silent.recv(4096):     # the server's SETTINGS, then end of file
            pass
    assert time.monotonic() - started < 5
    assert logged(server, "--first-request-timeout-seconds")
    with grpc.insecure_channel(server.grpc_addr) as channel:
        health(channel)


def test_idle_connection_gets_goaway(server_factory):
    server = server_factory("--idle-timeout-seconds", "0.5")
    with RawH2Connection(server.grpc_addr) as conn:
        conn.flush()
        while conn.goaway is None and conn.pump(5):
            pass
        assert conn.goaway is not None and conn.goaway.error_code == 0
