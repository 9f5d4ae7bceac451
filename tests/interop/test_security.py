"""Bearer keys and TLS with real clients: grpcio (metadata, `ssl_channel_credentials`, mTLS),
the official `openai` client (`api_key=`, https with a custom CA through httpx `verify=`), curl
`--cacert`, Python's ssl module for ALPN, and a certificate reload on SIGHUP."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway_helpers import MODEL
from interop_helpers import poll_until
from security_helpers import make_pki

openai = pytest.importorskip("openai")

KEY = "sk-axrpc-test-0123456789"
OTHER_KEY = "sk-axrpc-other-9876543210"


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "keys.txt"
    path.write_text(f"# keys for the test\n\n{KEY}\n  {OTHER_KEY}  \n")
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def tls_args(pki, *extra: str) -> list[str]:
    return ["--tls-cert", str(pki.server.cert), "--tls-key", str(pki.server.key), *extra]


def trust(pki) -> ssl.SSLContext:
    """What httpx (and so the openai client) verifies the gateway with: the test's CA only."""
    return ssl.create_default_context(cafile=str(pki.ca.cert))


def https_url(server) -> str:
    return f"https://127.0.0.1:{server.http_port}"


def health(channel, metadata=None):
    return channel.unary_unary("/axrpc.v1.Inference/Health", request_serializer=lambda b: b,
                               response_deserializer=lambda b: b)(b"", timeout=10, metadata=metadata)


def secure_channel(server, pki, *, client=None, ca=None):
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(ca or pki.ca.cert).read_bytes(),
        private_key=client.key.read_bytes() if client else None,
        certificate_chain=client.cert.read_bytes() if client else None)
    return grpc.secure_channel(f"127.0.0.1:{server.grpc_port}", credentials)


# --------------------------------------------------------------------------------------------
# Bearer keys


def test_grpc_calls_need_a_key_but_health_checking_does_not(server_factory, key_file):
    server = server_factory("--api-key-file", str(key_file))
    with grpc.insecure_channel(server.grpc_addr) as channel:
        with pytest.raises(grpc.RpcError) as missing:
            health(channel)
        assert missing.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "authorization: Bearer" in missing.value.details()
        with pytest.raises(grpc.RpcError) as wrong:
            health(channel, metadata=[("authorization", "Bearer sk-wrong")])
        assert wrong.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "not valid" in wrong.value.details()
        # Any key of the file, the scheme in any case.
        health(channel, metadata=[("authorization", f"Bearer {KEY}")])
        health(channel, metadata=[("authorization", f"bearer {OTHER_KEY}")])
        # Probes need no secret.
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
        assert reply.status in (health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING)
    assert any("refused a call without a valid API key" in line for line in server.stderr_lines)


def test_key_from_the_environment(server_factory, monkeypatch):
    monkeypatch.setenv("AXRPC_API_KEY", KEY)
    server = server_factory()
    with grpc.insecure_channel(server.grpc_addr) as channel:
        with pytest.raises(grpc.RpcError) as missing:
            health(channel)
        assert missing.value.code() == grpc.StatusCode.UNAUTHENTICATED
        health(channel, metadata=[("authorization", f"Bearer {KEY}")])


def test_openai_client_with_api_key(gateway_factory, key_file):
    server = gateway_factory("--api-key-file", str(key_file))
    poll_until(lambda: httpx.get(f"{server.http_url}/readyz", timeout=5).status_code == 200, 30, "/readyz 200")
    good = openai.OpenAI(base_url=f"{server.http_url}/v1", api_key=KEY, max_retries=0, timeout=60)
    assert [model.id for model in good.models.list()] == [MODEL]
    reply = good.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    assert reply.choices[0].message.content
    bad = openai.OpenAI(base_url=f"{server.http_url}/v1", api_key="sk-wrong", max_retries=0, timeout=60)
    with pytest.raises(openai.AuthenticationError) as refused:
        bad.models.list()
    assert refused.value.status_code == 401
    assert refused.value.body["code"] == "invalid_api_key"
    assert refused.value.body["type"] == "invalid_request_error"
    # Ollama's API and unknown paths are behind the key too; the probes and /metrics are not.
    plain = httpx.post(f"{server.http_url}/api/generate", json={"model": MODEL, "prompt": "Hi"}, timeout=10)
    assert plain.status_code == 401 and plain.headers["www-authenticate"] == "Bearer"
    assert httpx.get(f"{server.http_url}/nope", timeout=10).status_code == 401
    for path in ("/healthz", "/readyz", "/metrics"):
        assert httpx.get(f"{server.http_url}{path}", timeout=10).status_code == 200, path


def test_metrics_can_require_the_key(gateway_factory, key_file):
    server = gateway_factory("--api-key-file", str(key_file), "--metrics-require-key")
    assert httpx.get(f"{server.http_url}/metrics", timeout=10).status_code == 401
    scrape = httpx.get(f"{server.http_url}/metrics", headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
    assert scrape.status_code == 200 and "axrpc_build_info" in scrape.text


def test_an_empty_key_file_is_refused_at_startup(server_binary, tmp_path):
    empty = tmp_path / "keys.txt"
    empty.write_text("# nothing yet\n")
    result = subprocess.run([str(server_binary), "--grpc-port", "0", "--http-port", "0", "--no-runtime",
                             "--api-key-file", str(empty)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "holds no key" in result.stderr


# --------------------------------------------------------------------------------------------
# TLS


def test_grpcio_over_tls_and_curl_and_openai_on_the_gateway(gateway_factory, pki, key_file):
    server = gateway_factory(*tls_args(pki, "--api-key-file", str(key_file)))
    with secure_channel(server, pki) as channel:
        health(channel, metadata=[("authorization", f"Bearer {KEY}")])
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
        assert reply.status in (health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING)
    poll_until(lambda: httpx.get(f"{https_url(server)}/readyz", verify=trust(pki), timeout=5).status_code == 200,
               30, "/readyz 200 over https")
    curl = subprocess.run(["curl", "-sS", "--cacert", str(pki.ca.cert), f"{https_url(server)}/healthz"],
                          capture_output=True, text=True, timeout=30)
    assert curl.returncode == 0, curl.stderr
    client = openai.OpenAI(base_url=f"{https_url(server)}/v1", api_key=KEY, max_retries=0, timeout=60,
                           http_client=httpx.Client(verify=trust(pki)))
    reply = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    assert reply.choices[0].message.content
    # A client that does not trust the CA fails its handshake.
    untrusted = subprocess.run(["curl", "-sS", f"{https_url(server)}/healthz"], capture_output=True, text=True,
                               timeout=30)
    assert untrusted.returncode != 0


def test_grpc_port_refuses_a_client_without_alpn_h2(server_factory, pki):
    server = server_factory(*tls_args(pki))
    context = ssl.create_default_context(cafile=str(pki.ca.cert))
    context.set_alpn_protocols(["http/1.1"])
    with socket.create_connection(("127.0.0.1", server.grpc_port), timeout=10) as raw:
        with pytest.raises(ssl.SSLError) as refused:
            context.wrap_socket(raw, server_hostname="localhost")
    assert "NO APPLICATION PROTOCOL" in str(refused.value).upper().replace("_", " ")
    # Offering h2 works.
    context.set_alpn_protocols(["h2"])
    with socket.create_connection(("127.0.0.1", server.grpc_port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.selected_alpn_protocol() == "h2"
    assert any("does not offer the required ALPN protocol" in line and "required=h2" in line for line in server.stderr_lines)


def test_cleartext_client_on_a_tls_port_fails(server_factory, pki):
    server = server_factory(*tls_args(pki))
    with grpc.insecure_channel(server.grpc_addr) as channel:
        with pytest.raises(grpc.RpcError) as failed:
            health(channel)
        assert failed.value.code() == grpc.StatusCode.UNAVAILABLE


def test_mtls_requires_a_client_certificate(server_factory, pki, tmp_path):
    server = server_factory(*tls_args(pki, "--tls-client-ca", str(pki.ca.cert)))
    with secure_channel(server, pki, client=pki.client) as channel:
        health(channel)
    with secure_channel(server, pki) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            health(channel)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    stranger = make_pki(tmp_path / "stranger", "stranger-ca")
    with secure_channel(server, pki, client=stranger.client) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            health(channel)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    assert any("TLS handshake failed" in line for line in server.stderr_lines)


def test_sighup_reloads_the_certificate_without_dropping_connections(server_factory, tmp_path):
    first = make_pki(tmp_path / "first", "first-ca")
    second = make_pki(tmp_path / "second", "second-ca")
    live = tmp_path / "live"
    live.mkdir()
    cert, key = live / "server.crt", live / "server.key"
    shutil.copy(first.server.cert, cert)
    shutil.copy(first.server.key, key)
    server = server_factory("--tls-cert", str(cert), "--tls-key", str(key))
    with secure_channel(server, first) as kept:
        health(kept)
        shutil.copy(second.server.cert, cert)
        shutil.copy(second.server.key, key)
        server.signal(signal.SIGHUP)
        poll_until(lambda: any("reloaded the TLS certificate" in line for line in server.stderr_lines), 10,
                   "the reload's log line")
        health(kept)    # the open connection keeps working
        with secure_channel(server, second) as fresh:
            health(fresh)
        with secure_channel(server, first) as stale:
            with pytest.raises(grpc.RpcError):
                health(stale)


# --------------------------------------------------------------------------------------------
# The axrpc CLI (and so AXRPCClient)


def run_cli(cli_binary, server, *args: str, api_key: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AXRPC_API_KEY"}
    if api_key:
        env["AXRPC_API_KEY"] = api_key
    return subprocess.run([str(cli_binary), "--addr", f"127.0.0.1:{server.grpc_port}", *args], env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_cli_over_mtls_with_a_key(server_factory, cli_binary, pki, key_file):
    server = server_factory(*tls_args(pki, "--tls-client-ca", str(pki.ca.cert), "--api-key-file", str(key_file)))
    mtls = ["--ca", str(pki.ca.cert), "--cert", str(pki.client.cert), "--key", str(pki.client.key)]
    ok = run_cli(cli_binary, server, "models", *mtls, api_key=KEY)
    assert ok.returncode == 0, ok.stderr
    assert MODEL in ok.stdout
    no_key = run_cli(cli_binary, server, "models", *mtls)
    assert no_key.returncode == 16, no_key.stderr     # UNAUTHENTICATED
    assert "UNAUTHENTICATED" in no_key.stderr and "authorization: Bearer" in no_key.stderr
    no_certificate = run_cli(cli_binary, server, "models", "--ca", str(pki.ca.cert), api_key=KEY)
    assert no_certificate.returncode == 14, no_certificate.stderr    # UNAVAILABLE
    untrusted = run_cli(cli_binary, server, "models", "--tls", api_key=KEY)
    assert untrusted.returncode == 14, untrusted.stderr
    missing = run_cli(cli_binary, server, "models", "--ca", "/nonexistent/ca.pem")
    assert missing.returncode != 0 and "/nonexistent/ca.pem" in missing.stderr, missing.stderr


def test_ollama_client_sends_the_key_in_headers(gateway_factory, key_file):
    ollama = pytest.importorskip("ollama")
    server = gateway_factory("--api-key-file", str(key_file))
    poll_until(lambda: httpx.get(f"{server.http_url}/readyz", timeout=5).status_code == 200, 30, "/readyz 200")
    good = ollama.Client(host=server.http_url, headers={"Authorization": f"Bearer {KEY}"})
    assert good.generate(model=MODEL, prompt="Hi").response
    with pytest.raises(ollama.ResponseError) as refused:
        ollama.Client(host=server.http_url).generate(model=MODEL, prompt="Hi")
    assert refused.value.status_code == 401
    assert "API key" in refused.value.error
