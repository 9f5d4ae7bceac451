"""The standard grpc.health.v1.Health service through grpcio-health-checking's stubs (what
Kubernetes gRPC probes and Envoy speak): Check and Watch, known and unknown services."""

import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from interop_helpers import wait_for_serving

SERVING = health_pb2.HealthCheckResponse.SERVING
SERVICE_UNKNOWN = health_pb2.HealthCheckResponse.SERVICE_UNKNOWN


@pytest.fixture
def health(channel):
    return health_pb2_grpc.HealthStub(channel)


def test_whole_server_becomes_serving(channel, health):
    # The runtime (the emulator under `make test`) may still be starting: follow Watch, no sleeps.
    wait_for_serving(channel, "", timeout=30)
    response = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
    assert response.status == SERVING


def test_check_unknown_service_is_not_found(health):
    with pytest.raises(grpc.RpcError) as info:
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND, info.value.details()


@pytest.mark.parametrize("service", ["grpc.health.v1.Health", "axrpc.v1.Inference"])
def test_check_known_services_answer(health, service):
    response = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
    assert response.status in (health_pb2.HealthCheckResponse.SERVING,
                               health_pb2.HealthCheckResponse.NOT_SERVING), response
    if service == "grpc.health.v1.Health":
        assert response.status == SERVING


def test_watch_streams_current_status_first(health):
    started = time.monotonic()
    call = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=10)
    try:
        first = next(call)
    finally:
        call.cancel()
    assert first.status in (health_pb2.HealthCheckResponse.SERVING,
                            health_pb2.HealthCheckResponse.NOT_SERVING), first
    # "At once": well under the call's deadline.
    assert time.monotonic() - started < 5
    current = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
    if current.status == SERVING:
        # Once serving, a fresh Watch reports SERVING first.
        call = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=10)
        try:
            assert next(call).status == SERVING
        finally:
            call.cancel()


def test_watch_unknown_service_is_service_unknown_and_stays_open(health):
    call = health.Watch(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=30)
    try:
        first = next(call)
        assert first.status == SERVICE_UNKNOWN, first
        # The stream stays open: it neither ended nor failed. (A running call has no code yet.)
        assert call.is_active(), f"the Watch stream ended: {call.code()} {call.details()!r}"
    finally:
        call.cancel()
    assert call.code() == grpc.StatusCode.CANCELLED
