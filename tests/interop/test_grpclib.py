"""grpclib, a second and pure-Python HTTP/2 + gRPC implementation (h2 underneath), makes the same
calls as grpcio: Health (unary), WatchHealth (first event) and an unknown method."""

import asyncio

import pytest
from grpclib.client import Channel, UnaryStreamMethod, UnaryUnaryMethod
from grpclib.const import Status
from grpclib.exceptions import GRPCError


def run(coroutine, timeout=30):
    return asyncio.run(asyncio.wait_for(coroutine, timeout))


def open_channel(server) -> Channel:
    return Channel(host=server.grpc_host, port=server.grpc_port)


def test_health(protos, server):
    pb2 = protos.pb2

    async def call():
        channel = open_channel(server)
        try:
            method = UnaryUnaryMethod(channel, "/axrpc.v1.Inference/Health",
                                      pb2.HealthRequest, pb2.HealthResponse)
            return await method(pb2.HealthRequest(), timeout=10)
        finally:
            channel.close()

    response = run(call())
    assert isinstance(response, pb2.HealthResponse)
    assert response.version, response
    assert response.status != pb2.SERVING_STATUS_UNSPECIFIED, response


def test_health_many_calls_on_one_connection(protos, server):
    pb2 = protos.pb2

    async def calls():
        channel = open_channel(server)
        try:
            method = UnaryUnaryMethod(channel, "/axrpc.v1.Inference/Health",
                                      pb2.HealthRequest, pb2.HealthResponse)
            return await asyncio.gather(*(method(pb2.HealthRequest(), timeout=20) for _ in range(50)))
        finally:
            channel.close()

    responses = run(calls())
    assert len(responses) == 50
    assert all(r.version for r in responses)


def test_watch_health_first_event(protos, server):
    pb2 = protos.pb2

    async def first_event():
        channel = open_channel(server)
        try:
            method = UnaryStreamMethod(channel, "/axrpc.v1.Inference/WatchHealth",
                                       pb2.HealthRequest, pb2.HealthResponse)
            async with method.open(timeout=10) as stream:
                await stream.send_message(pb2.HealthRequest(), end=True)
                event = await asyncio.wait_for(stream.recv_message(), 1.0)
                await stream.cancel()
                return event
        finally:
            channel.close()

    event = run(first_event())
    assert isinstance(event, pb2.HealthResponse)
    assert event.version, event


def test_unknown_method_is_unimplemented(protos, server):
    pb2 = protos.pb2

    async def call():
        channel = open_channel(server)
        try:
            method = UnaryUnaryMethod(channel, "/axrpc.v1.Inference/Nope",
                                      pb2.HealthRequest, pb2.HealthResponse)
            return await method(pb2.HealthRequest(), timeout=10)
        finally:
            channel.close()

    with pytest.raises(GRPCError) as info:
        run(call())
    assert info.value.status == Status.UNIMPLEMENTED, info.value
