"""Bad requests from real clients (grpcio generic calls, curl over h2c) get the standard answers:
415 / 405 for non-gRPC requests, UNIMPLEMENTED, RESOURCE_EXHAUSTED (and the connection still
serves), INTERNAL for an unparsable body, DEADLINE_EXCEEDED for a short deadline."""

import shutil
import subprocess
import time

import grpc
import pytest

from interop_helpers import HEALTH_PATH, raw_unary, unknown_field

MIB = 1024 * 1024


def curl(*args: str) -> str:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    result = subprocess.run(["curl", "--http2-prior-knowledge", "-sS", "-o", "/dev/null",
                             "-w", "%{http_code} %{http_version}", "--max-time", "20", *args],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"curl failed ({result.returncode}): {result.stderr}"
    return result.stdout.strip()


def test_curl_wrong_content_type_is_415(server):
    out = curl("-X", "POST", "-H", "content-type: text/plain", "--data-binary", "",
               f"http://{server.grpc_addr}{HEALTH_PATH}")
    assert out == "415 2", out


def test_curl_get_is_405(server):
    out = curl(f"http://{server.grpc_addr}{HEALTH_PATH}")
    assert out == "405 2", out


def test_curl_grpc_post_is_200(server, tmp_path):
    """The same curl, but a proper gRPC request (a framed empty message): HTTP 200."""
    body = tmp_path / "health.grpc"
    body.write_bytes(b"\x00\x00\x00\x00\x00")
    out = curl("-X", "POST", "-H", "content-type: application/grpc", "-H", "te: trailers",
               "--data-binary", f"@{body}", f"http://{server.grpc_addr}{HEALTH_PATH}")
    assert out == "200 2", out


@pytest.mark.parametrize("path", ["/axrpc.v1.Inference/Nope", "/no.such.Service/Health",
                                  "/grpc.health.v1.Health/Nope"])
def test_unknown_method_is_unimplemented(channel, path):
    with pytest.raises(grpc.RpcError) as info:
        raw_unary(channel, path)(b"", timeout=10)
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED, info.value.details()


def test_oversize_request_is_resource_exhausted_and_connection_still_serves(protos, server):
    options = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
    with grpc.insecure_channel(server.grpc_addr, options=options) as channel:
        call = raw_unary(channel, HEALTH_PATH)
        # First a normal call: the connection is up before the big one.
        protos.pb2.HealthResponse.FromString(call(b"", timeout=10))

        with pytest.raises(grpc.RpcError) as info:
            call(unknown_field(5 * MIB), timeout=30)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, info.value.details()

        # The same channel still serves (test_wire checks the very same HTTP/2 connection).
        response = protos.pb2.HealthResponse.FromString(call(b"", timeout=10))
        assert response.version


def test_request_just_under_the_limit_is_accepted(protos, server):
    options = [("grpc.max_send_message_length", -1)]
    with grpc.insecure_channel(server.grpc_addr, options=options) as channel:
        payload = unknown_field(4 * MIB - 64)
        assert len(payload) < 4 * MIB
        response = protos.pb2.HealthResponse.FromString(raw_unary(channel, HEALTH_PATH)(payload, timeout=30))
        assert response.version


@pytest.mark.parametrize("body", [b"\xff\xff\xff", b"\x0a\x05ab", b"\x08"])
def test_corrupt_body_is_internal(channel, body):
    with pytest.raises(grpc.RpcError) as info:
        raw_unary(channel, HEALTH_PATH)(body, timeout=10)
    assert info.value.code() == grpc.StatusCode.INTERNAL, info.value.details()


def test_corrupt_body_then_connection_still_serves(protos, channel):
    with pytest.raises(grpc.RpcError):
        raw_unary(channel, HEALTH_PATH)(b"\xff\xff\xff", timeout=10)
    assert protos.pb2.HealthResponse.FromString(raw_unary(channel, HEALTH_PATH)(b"", timeout=10)).version


def test_watch_health_100ms_deadline_is_deadline_exceeded(protos, inference):
    started = time.monotonic()
    call = inference.WatchHealth(protos.pb2.HealthRequest(), timeout=0.1)
    events = []
    with pytest.raises(grpc.RpcError) as info:
        for event in call:
            events.append(event)
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED, info.value.details()
    assert time.monotonic() - started < 5
    assert all(e.version for e in events)
