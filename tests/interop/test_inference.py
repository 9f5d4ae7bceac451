"""axrpc.v1.Inference through grpcio stubs generated at test time from proto/: Health,
WatchHealth (first event within 1 s) and ListModels."""

import time

import grpc
import pytest


def test_health_returns_a_health_response(protos, inference):
    pb2 = protos.pb2
    response = inference.Health(pb2.HealthRequest(), timeout=10)

    assert isinstance(response, pb2.HealthResponse)
    assert response.version, f"version is empty: {response}"
    # Every field of the contract is there and holds a known value.
    fields = {f.name for f in pb2.HealthResponse.DESCRIPTOR.fields}
    assert {"status", "runtime_state", "model", "queue_depth", "queue_capacity", "uptime_seconds",
            "runtime_restarts", "last_error", "version", "emulated"} <= fields
    assert response.status in pb2.ServingStatus.values()
    assert response.status != pb2.SERVING_STATUS_UNSPECIFIED, f"status unspecified: {response}"
    assert response.runtime_state in pb2.RuntimeState.values()
    if response.runtime_state in (pb2.RUNTIME_STATE_READY, pb2.RUNTIME_STATE_BUSY):
        assert response.status == pb2.SERVING_STATUS_SERVING, f"ready runtime but not serving: {response}"
        assert response.queue_capacity > 0, f"a ready runtime with no queue capacity: {response}"
        assert response.model, f"a ready runtime names no model: {response}"
    if response.queue_capacity:
        assert response.queue_depth <= response.queue_capacity, response


def test_health_uptime_does_not_go_backwards(protos, inference):
    first = inference.Health(protos.pb2.HealthRequest(), timeout=10)
    second = inference.Health(protos.pb2.HealthRequest(), timeout=10)
    assert second.uptime_seconds >= first.uptime_seconds
    assert second.version == first.version


def test_watch_health_first_event_within_one_second(protos, inference):
    pb2 = protos.pb2
    started = time.monotonic()
    # The deadline bounds the wait: without a first event by then, next() raises DEADLINE_EXCEEDED.
    call = inference.WatchHealth(pb2.HealthRequest(), timeout=1.0)
    try:
        try:
            first = next(call)
        except grpc.RpcError as error:
            pytest.fail(f"no WatchHealth event within 1 s: {error.code()} {error.details()!r}")
        elapsed = time.monotonic() - started
        assert isinstance(first, pb2.HealthResponse)
        assert first.version, first
        assert first.status != pb2.SERVING_STATUS_UNSPECIFIED, first
        assert elapsed < 1.0
    finally:
        call.cancel()


def test_watch_health_matches_health(protos, inference):
    pb2 = protos.pb2
    call = inference.WatchHealth(pb2.HealthRequest(), timeout=10)
    try:
        first = next(call)
    finally:
        call.cancel()
    unary = inference.Health(pb2.HealthRequest(), timeout=10)
    assert first.version == unary.version
    assert first.emulated == unary.emulated
    assert first.queue_capacity == unary.queue_capacity


def test_watch_health_cancel_is_clean(protos, inference):
    """A cancelled watch ends CANCELLED on the client and the connection keeps serving."""
    pb2 = protos.pb2
    call = inference.WatchHealth(pb2.HealthRequest(), timeout=30)
    next(call)
    call.cancel()
    with pytest.raises(grpc.RpcError) as info:
        next(call)
    assert info.value.code() == grpc.StatusCode.CANCELLED
    assert inference.Health(pb2.HealthRequest(), timeout=10).version


def test_list_models(protos, inference):
    pb2 = protos.pb2
    response = inference.ListModels(pb2.ListModelsRequest(), timeout=10)

    assert isinstance(response, pb2.ListModelsResponse)
    if response.models:
        defaults = [m.name for m in response.models if m.is_default]
        assert len(defaults) == 1, f"want exactly one default model, got {defaults}: {response}"
        names = [m.name for m in response.models]
        assert all(names), f"a model without a name: {response}"
        assert len(set(names)) == len(names), f"duplicate model names: {names}"
