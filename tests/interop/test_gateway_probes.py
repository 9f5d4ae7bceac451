"""The HTTP gateway as an HTTP/1.1 server: liveness and readiness probes (readiness 503 while
the runtime loads), /metrics, unknown paths and methods, keep-alive and pipelining, HTTP/1.0,
oversized bodies, and `--http-port 0` turning the gateway off."""

from __future__ import annotations

import socket

import httpx

from gateway_helpers import MODEL, wait_ready



def raw_exchange(server, payload: bytes, until: bytes, timeout: float = 10.0) -> bytes:
    """Sends raw bytes and reads until `until` has been seen (or the peer closes)."""
    with socket.create_connection((server.http_host, server.http_port), timeout=timeout) as sock:
        sock.sendall(payload)
        data = b""
        while until not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_readyz_is_503_while_the_runtime_loads(gateway_factory):
    server = gateway_factory(emulator_args="--load-seconds 3 --tokens-per-second 200 --ttft-ms 5")
    reply = httpx.get(f"{server.http_url}/readyz", timeout=5)
    assert reply.status_code == 503, reply.text
    body = reply.json()
    assert body["status"] == "not ready"
    assert body["runtime_state"] == "starting"
    assert body["reason"]
    # Alive all along: a loading runtime is no reason to restart the server.
    assert httpx.get(f"{server.http_url}/healthz", timeout=5).status_code == 200
    wait_ready(server, timeout=20)
    ready = httpx.get(f"{server.http_url}/readyz", timeout=5).json()
    assert ready["status"] == "ready" and ready["runtime_state"] in ("ready", "busy")
    assert ready["queue_capacity"] > 0


def test_healthz(gateway):
    reply = httpx.get(f"{gateway.http_url}/healthz", timeout=5)
    assert reply.status_code == 200
    assert reply.json()["status"] == "alive"


def test_metrics_count_gateway_requests(gateway):
    wait_ready(gateway)
    httpx.post(f"{gateway.http_url}/api/generate", json={"model": MODEL, "prompt": "count me", "stream": False},
               timeout=30).raise_for_status()
    httpx.post(f"{gateway.http_url}/api/generate", json={"model": "missing", "prompt": "x"}, timeout=30)
    reply = httpx.get(f"{gateway.http_url}/metrics", timeout=5)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/plain")
    text = reply.text
    assert 'axrpc_http_requests_total{api="ollama",route="/api/generate",code="200"}' in text, text
    assert 'axrpc_http_requests_total{api="ollama",route="/api/generate",code="404"}' in text, text


def test_unknown_path_and_method(gateway):
    reply = httpx.get(f"{gateway.http_url}/api/nothing", timeout=5)
    assert reply.status_code == 404 and isinstance(reply.json()["error"], str)
    reply = httpx.get(f"{gateway.http_url}/v1/nothing", timeout=5)
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"
    reply = httpx.delete(f"{gateway.http_url}/api/tags", timeout=5)
    assert reply.status_code == 405 and reply.headers["allow"] == "GET"
    reply = httpx.get(f"{gateway.http_url}/api/generate", timeout=5)
    assert reply.status_code == 405 and reply.headers["allow"] == "POST"


def test_keep_alive_and_pipelining(gateway):
    with httpx.Client(base_url=gateway.http_url, timeout=10) as http:
        for _ in range(3):
            assert http.get("/api/version").status_code == 200
    # Two requests in one write: two answers, in order, on the same connection.
    data = raw_exchange(gateway, b"GET /api/version HTTP/1.1\r\nHost: x\r\n\r\n"
                                 b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", until=b"alive")
    assert data.count(b"HTTP/1.1 200 OK") == 2, data
    assert data.index(b'"version"') < data.index(b"alive")


def test_http_1_0_gets_a_closed_connection(gateway):
    data = raw_exchange(gateway, b"GET /api/version HTTP/1.0\r\n\r\n", until=b"\x00never")
    assert data.startswith(b"HTTP/1.0 200 OK"), data
    assert b"version" in data


def test_oversized_body_is_413(gateway):
    body = b'{"prompt": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    reply = httpx.post(f"{gateway.http_url}/api/generate", content=body, timeout=30)
    assert reply.status_code == 413


def test_port_zero_turns_the_gateway_off(server_factory):
    server = server_factory("--http-port", "0")
    assert server.http_port is None
    assert not any("serving HTTP" in line for line in server.stderr_lines)
