"""Liveness for service managers and orchestrators: a runtime the supervisor gave up on (FAILED)
turns /healthz to 503 and grpc.health.v1 service `axrpc.liveness` to NOT_SERVING once the
liveness grace has passed; `--exit-on-runtime-failure` makes the server exit with status 3; and
under systemd (`$NOTIFY_SOCKET`) the server sends READY=1 only once the runtime serves."""

from __future__ import annotations

import re
import signal
import socket
import time

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from conftest import ServerProcess
from interop_helpers import free_port, poll_until

LIVENESS = "axrpc.liveness"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def wait_failed(protos, channel, timeout: float = 30.0):
    """Follows WatchHealth until the runtime is FAILED; returns when that update arrives."""
    pb2 = protos.pb2
    watch = protos.pb2_grpc.InferenceStub(channel).WatchHealth(pb2.HealthRequest(), timeout=timeout)
    try:
        for health in watch:
            if health.runtime_state == pb2.RUNTIME_STATE_FAILED:
                return health
    finally:
        watch.cancel()
    raise AssertionError("WatchHealth ended before FAILED")


def test_healthy_server_is_alive(gateway):
    with grpc.insecure_channel(gateway.grpc_addr) as channel:
        check = health_pb2_grpc.HealthStub(channel).Check
        assert check(health_pb2.HealthCheckRequest(service=LIVENESS), timeout=10).status == SERVING
    assert httpx.get(f"{gateway.http_url}/healthz", timeout=5).status_code == 200


def test_failed_runtime_turns_healthz_503_after_the_grace(gateway_factory, protos):
    grace = 2.0
    server = gateway_factory("--restart-backoff-ms", "50", "--liveness-grace-seconds", str(grace),
                             emulator_args="--fail-load")
    with grpc.insecure_channel(server.grpc_addr) as channel:
        check = health_pb2_grpc.HealthStub(channel).Check
        failed = wait_failed(protos, channel)
        failed_at = time.monotonic()
        assert "lLaMa.Init failed" in failed.last_error, failed

        # Within the grace the server still counts as alive (a person can read the error).
        early = httpx.get(f"{server.http_url}/healthz", timeout=5)
        if time.monotonic() - failed_at < grace * 0.75:
            assert early.status_code == 200, early.text
            assert check(health_pb2.HealthCheckRequest(service=LIVENESS), timeout=10).status == SERVING

        def dead():
            reply = httpx.get(f"{server.http_url}/healthz", timeout=5)
            return reply if reply.status_code == 503 else None

        reply = poll_until(dead, grace + 10, "/healthz 503", interval=0.05)
        assert time.monotonic() - failed_at >= grace * 0.75, "503 before the grace ran out"
        body = reply.json()
        assert body["status"] == "dead", body
        assert "lLaMa.Init failed" in body["reason"], body
        assert check(health_pb2.HealthCheckRequest(service=LIVENESS), timeout=10).status == NOT_SERVING
        # Readiness was already off; the whole-server status too.
        assert httpx.get(f"{server.http_url}/readyz", timeout=5).status_code == 503
        assert check(health_pb2.HealthCheckRequest(service=""), timeout=10).status == NOT_SERVING
    # Without --exit-on-runtime-failure the process stays up (teardown checks a clean SIGTERM exit).
    assert server.returncode is None


def test_exit_on_runtime_failure_exits_with_status_3(server_binary):
    server = ServerProcess(server_binary, ["--emulator-args", f"--port {free_port()} --fail-load",
                                           "--restart-backoff-ms", "50", "--liveness-grace-seconds", "0",
                                           "--exit-on-runtime-failure"])
    try:
        server.start()
        code = server.wait(timeout=60)
        assert code == 3, f"exit status {code}\n{server.describe()}"
        text = "\n".join(server.stderr_lines)
        assert "--exit-on-runtime-failure" in text and "lLaMa.Init failed" in text, server.describe()
    finally:
        server.kill()


def test_sd_notify_ready_only_once_the_runtime_serves(server_factory, protos, monkeypatch, tmp_path):
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(path))
        notify.settimeout(30)
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        port = free_port()
        server = server_factory("--emulator-args", f"--port {port} --load-seconds 1.5 --tokens-per-second 200")
        messages = []
        while not any("READY=1" in m for m in messages):
            messages.append(notify.recv(4096).decode())
        # Whatever came before READY=1 was a status line of a runtime that was not serving yet.
        assert all("READY=1" not in m for m in messages[:-1]), messages
        assert "STATUS=runtime starting" in messages[0], messages
        with grpc.insecure_channel(server.grpc_addr) as channel:
            health = protos.pb2_grpc.InferenceStub(channel).Health(protos.pb2.HealthRequest(), timeout=10)
        assert health.runtime_state in (protos.pb2.RUNTIME_STATE_READY, protos.pb2.RUNTIME_STATE_BUSY), health

        server.signal(signal.SIGTERM)
        while not any("STOPPING=1" in m for m in messages):
            messages.append(notify.recv(4096).decode())
        server.stop()


def test_journald_lines_carry_their_priority_and_no_timestamp(server_factory, monkeypatch):
    # systemd sets JOURNAL_STREAM when stderr is the journal.
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    server = server_factory()
    logged = [line for line in server.stderr_lines if line.startswith("<")]
    assert any(line.startswith("<6>axrpc: ") and "serving gRPC" in line for line in logged), server.describe()
    assert any(line.startswith("<4>axrpc: ") and "emulator" in line for line in logged), server.describe()
    assert not any(re.match(r"\d{4}-\d\d-\d\dT", line) for line in server.stderr_lines), server.describe()
