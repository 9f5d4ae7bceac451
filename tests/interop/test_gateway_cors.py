"""CORS as Ollama does it: loopback pages and app schemes may call the API by default,
`--cors-origin` adds others, preflights are answered, every reply to an allowed origin carries
the Access-Control headers (errors too), and a request from any other origin is refused before it
runs."""

from __future__ import annotations

import httpx
import pytest

from gateway_helpers import MODEL, wait_ready

BODY = {"model": MODEL, "prompt": "hi", "stream": False, "options": {"num_predict": 3}}


@pytest.fixture(scope="module")
def server(gateway):
    wait_ready(gateway)
    return gateway


def preflight(server, origin: str, path: str = "/api/chat") -> httpx.Response:
    return httpx.options(f"{server.http_url}{path}", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization"})


@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://127.0.0.1", "https://localhost:8443",
                                    "vscode-webview://abc123", "tauri://localhost"])
def test_default_origins_pass_preflight(server, origin):
    reply = preflight(server, origin)
    assert reply.status_code == 204, reply.text
    assert reply.headers["access-control-allow-origin"] == origin
    assert "POST" in reply.headers["access-control-allow-methods"]
    assert reply.headers["access-control-allow-headers"] == "content-type, authorization"
    assert "content-length" not in reply.headers


def test_every_reply_carries_the_headers(server):
    origin = "http://localhost:5173"
    for reply in (httpx.post(f"{server.http_url}/api/generate", json=BODY, headers={"Origin": origin}, timeout=30),
                  httpx.get(f"{server.http_url}/api/nope", headers={"Origin": origin}),
                  httpx.post(f"{server.http_url}/v1/chat/completions", json={"messages": []}, headers={"Origin": origin})):
        assert reply.headers.get("access-control-allow-origin") == origin, (reply.status_code, reply.headers)
        assert "X-Axrpc-Ignored-Fields" in reply.headers["access-control-expose-headers"]


def test_other_origins_are_refused_before_anything_runs(server):
    reply = httpx.post(f"{server.http_url}/api/generate", json=BODY, headers={"Origin": "https://evil.example"})
    assert reply.status_code == 403
    assert "--cors-origin https://evil.example" in reply.json()["error"]
    assert "access-control-allow-origin" not in reply.headers
    assert preflight(server, "https://evil.example").status_code == 403


def test_requests_without_origin_are_unaffected(server):
    assert httpx.post(f"{server.http_url}/api/generate", json=BODY, timeout=30).status_code == 200
    reply = httpx.options(f"{server.http_url}/api/generate")
    assert reply.status_code == 204 and "POST" in reply.headers["allow"]


def test_cors_origin_flag_adds_origins(gateway_factory):
    server = gateway_factory("--cors-origin", "https://ui.example.org", "--cors-origin", "https://*.corp.example")
    wait_ready(server)
    for origin in ("https://ui.example.org", "https://chat.corp.example", "http://localhost:3000"):
        assert preflight(server, origin).headers.get("access-control-allow-origin") == origin
    assert preflight(server, "https://ui.example.org.evil").status_code == 403
