"""Concurrency and volume as correctness checks (no timing assertions): 200 concurrent calls and
streams on one grpcio channel, and h2load's 100k Health requests with zero failures."""

import re
import shutil
import subprocess

import grpc
import pytest

from interop_helpers import EMPTY_MESSAGE_FRAME, HEALTH_PATH


def test_200_concurrent_unary_calls_on_one_channel(protos, channel):
    stub = protos.pb2_grpc.InferenceStub(channel)
    # All 200 are started before any result is read; each carries its own 60 s deadline.
    futures = [stub.Health.future(protos.pb2.HealthRequest(), timeout=60) for _ in range(200)]
    failures = [f.exception(timeout=90) for f in futures]
    failures = [e for e in failures if e is not None]
    assert not failures, f"{len(failures)} of 200 failed, first: {failures[0]}"
    assert all(f.result().version for f in futures)


def test_200_concurrent_watch_streams_on_one_channel(protos, channel):
    """All 200 streams are open at the same time: each has its first event before any is closed."""
    stub = protos.pb2_grpc.InferenceStub(channel)
    calls = [stub.WatchHealth(protos.pb2.HealthRequest(), timeout=60) for _ in range(200)]
    try:
        firsts = []
        for index, call in enumerate(calls):
            try:
                firsts.append(next(call))
            except grpc.RpcError as error:
                pytest.fail(f"stream {index} of 200 failed before its first event: "
                            f"{error.code()} {error.details()!r}")
        assert all(event.version for event in firsts)
        assert all(call.is_active() for call in calls), "a watch stream ended by itself"
    finally:
        for call in calls:
            call.cancel()
    # The channel still serves after 200 cancellations.
    assert stub.Health(protos.pb2.HealthRequest(), timeout=10).version


H2LOAD_REQUESTS = re.compile(r"requests: (?P<total>\d+) total, (?P<started>\d+) started, (?P<done>\d+) done, "
                             r"(?P<succeeded>\d+) succeeded, (?P<failed>\d+) failed, (?P<errored>\d+) errored")
H2LOAD_STATUS = re.compile(r"status codes: (?P<s2>\d+) 2xx, (?P<s3>\d+) 3xx, (?P<s4>\d+) 4xx, (?P<s5>\d+) 5xx")


def test_h2load_100k_health_requests_without_failures(protos, server, tmp_path):
    if shutil.which("h2load") is None:
        pytest.skip("h2load (Debian nghttp2-client) is not installed")
    body = tmp_path / "health-request.grpc"
    body.write_bytes(EMPTY_MESSAGE_FRAME)
    argv = ["h2load", "-n", "100000", "-c", "20", "-m", "50",
            "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", str(body),
            f"http://{server.grpc_addr}{HEALTH_PATH}"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    report = f"$ {' '.join(argv)}\n{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, report

    requests = H2LOAD_REQUESTS.search(result.stdout)
    statuses = H2LOAD_STATUS.search(result.stdout)
    assert requests and statuses, f"unexpected h2load output\n{report}"
    assert int(requests["failed"]) == 0, report
    assert int(requests["errored"]) == 0, report
    assert int(requests["succeeded"]) == 100000, report
    assert int(statuses["s2"]) == 100000, report

    # And the server is still in shape afterwards.
    with grpc.insecure_channel(server.grpc_addr) as channel:
        assert protos.pb2_grpc.InferenceStub(channel).Health(protos.pb2.HealthRequest(), timeout=10).version
