"""Server reflection, v1 and v1alpha, through grpcio-reflection's stubs (v1alpha; v1 is generated
from proto/ at test time): list the services, resolve symbols and file names to
FileDescriptorProtos (dependencies included), and drive a fully dynamic client from them."""

import types

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from grpc_reflection.v1alpha import reflection_pb2 as v1alpha_pb2
from grpc_reflection.v1alpha import reflection_pb2_grpc as v1alpha_pb2_grpc

NOT_FOUND = grpc.StatusCode.NOT_FOUND.value[0]
INFERENCE_METHODS = {
    # name: (input, output, client_streaming, server_streaming)
    "Generate": ("axrpc.v1.GenerateRequest", "axrpc.v1.GenerationEvent", False, True),
    "Chat": ("axrpc.v1.ChatRequest", "axrpc.v1.GenerationEvent", False, True),
    "Health": ("axrpc.v1.HealthRequest", "axrpc.v1.HealthResponse", False, False),
    "WatchHealth": ("axrpc.v1.HealthRequest", "axrpc.v1.HealthResponse", False, True),
    "ListModels": ("axrpc.v1.ListModelsRequest", "axrpc.v1.ListModelsResponse", False, False),
}


@pytest.fixture(params=["v1", "v1alpha"])
def reflection(request, protos, channel):
    """The reflection API of one version, bound to a channel: `.pb2` messages and `.ask()`."""
    if request.param == "v1":
        pb2, pb2_grpc = protos.reflection_v1_pb2, protos.reflection_v1_pb2_grpc
    else:
        pb2, pb2_grpc = v1alpha_pb2, v1alpha_pb2_grpc
    stub = pb2_grpc.ServerReflectionStub(channel)

    def ask(*requests):
        """Sends the requests on one bidi stream; returns the one response each gets."""
        responses = list(stub.ServerReflectionInfo(iter(requests), timeout=10))
        assert len(responses) == len(requests), responses
        for question, answer in zip(requests, responses):
            assert answer.original_request == question, answer
        return responses

    return types.SimpleNamespace(version=request.param, pb2=pb2, ask=ask)


def build_pool(serialized_files) -> descriptor_pool.DescriptorPool:
    """A fresh pool holding the served files, added in dependency order. Fails if a dependency
    is missing from the response (the server must send them transitively)."""
    files = {}
    for blob in serialized_files:
        proto = descriptor_pb2.FileDescriptorProto.FromString(blob)
        files[proto.name] = blob, proto
    pool, added = descriptor_pool.DescriptorPool(), set()
    while len(added) < len(files):
        ready = [name for name, (_, proto) in files.items()
                 if name not in added and all(dep in added for dep in proto.dependency)]
        assert ready, (f"dependencies missing from the reflection response: "
                       f"{ {n: list(p.dependency) for n, (_, p) in files.items() if n not in added} }")
        for name in ready:
            pool.AddSerializedFile(files[name][0])
            added.add(name)
    return pool


def file_names(response) -> list[str]:
    return [descriptor_pb2.FileDescriptorProto.FromString(blob).name
            for blob in response.file_descriptor_response.file_descriptor_proto]


def test_list_services(reflection):
    [response] = reflection.ask(reflection.pb2.ServerReflectionRequest(list_services=""))
    assert response.WhichOneof("message_response") == "list_services_response", response
    names = [service.name for service in response.list_services_response.service]
    for expected in ("axrpc.v1.Inference", "grpc.health.v1.Health",
                     "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"):
        assert expected in names, names
    assert len(set(names)) == len(names), names


def test_file_containing_symbol_builds_a_dynamic_client(protos, reflection, channel):
    [response] = reflection.ask(
        reflection.pb2.ServerReflectionRequest(file_containing_symbol="axrpc.v1.Inference"))
    assert response.WhichOneof("message_response") == "file_descriptor_response", response
    blobs = response.file_descriptor_response.file_descriptor_proto
    assert file_names(response)[0] == "axrpc/v1/inference.proto", file_names(response)

    pool = build_pool(blobs)
    service = pool.FindServiceByName("axrpc.v1.Inference")
    methods = {m.name: (m.input_type.full_name, m.output_type.full_name,
                        m.client_streaming, m.server_streaming) for m in service.methods}
    assert methods == INFERENCE_METHODS

    health = service.methods_by_name["Health"]
    request_class = message_factory.GetMessageClass(health.input_type)
    response_class = message_factory.GetMessageClass(health.output_type)
    call = channel.unary_unary(f"/{service.full_name}/{health.name}",
                               request_serializer=request_class.SerializeToString,
                               response_deserializer=response_class.FromString)
    answer = call(request_class(), timeout=10)

    assert answer.DESCRIPTOR.full_name == "axrpc.v1.HealthResponse"
    assert answer.version, answer
    status = answer.DESCRIPTOR.fields_by_name["status"].enum_type.values_by_number[answer.status]
    assert status.name.startswith("SERVING_STATUS_")
    # The same bytes decode to the same thing with the statically generated class.
    typed = protos.pb2.HealthResponse.FromString(answer.SerializeToString())
    assert typed.version == answer.version


def test_served_descriptor_matches_proto_contract(protos, reflection):
    """What reflection serves is the contract in proto/ (messages, fields, numbers, methods)."""
    [response] = reflection.ask(
        reflection.pb2.ServerReflectionRequest(file_by_filename="axrpc/v1/inference.proto"))
    served = descriptor_pb2.FileDescriptorProto.FromString(
        response.file_descriptor_response.file_descriptor_proto[0])
    local = descriptor_pb2.FileDescriptorProto()
    protos.pb2.DESCRIPTOR.CopyToProto(local)
    assert normalize(served) == normalize(local)


def normalize(file: descriptor_pb2.FileDescriptorProto):
    def fields(message):
        return sorted((f.name, f.number, f.type, f.label, f.type_name,
                       f.oneof_index if f.HasField("oneof_index") else None) for f in message.field)
    return {
        "name": file.name,
        "package": file.package,
        "messages": {m.name: (fields(m), [o.name for o in m.oneof_decl]) for m in file.message_type},
        "enums": {e.name: [(v.name, v.number) for v in e.value] for e in file.enum_type},
        "services": {s.name: [(m.name, m.input_type, m.output_type, m.client_streaming,
                               m.server_streaming) for m in s.method] for s in file.service},
    }


def test_file_by_filename(reflection):
    [response] = reflection.ask(
        reflection.pb2.ServerReflectionRequest(file_by_filename="axrpc/v1/inference.proto"))
    assert response.WhichOneof("message_response") == "file_descriptor_response", response
    assert file_names(response)[0] == "axrpc/v1/inference.proto"
    pool = build_pool(response.file_descriptor_response.file_descriptor_proto)
    assert pool.FindMessageTypeByName("axrpc.v1.GenerationEvent").oneofs_by_name["event"]


@pytest.mark.parametrize("symbol,file", [
    ("grpc.health.v1.Health", "grpc/health/v1/health.proto"),
    ("grpc.health.v1.HealthCheckResponse", "grpc/health/v1/health.proto"),
    ("axrpc.v1.GenerateRequest", "axrpc/v1/inference.proto"),
    ("grpc.reflection.v1.ServerReflection", "grpc/reflection/v1/reflection.proto"),
    ("grpc.reflection.v1alpha.ServerReflection", "grpc/reflection/v1alpha/reflection.proto"),
])
def test_other_symbols_resolve(reflection, symbol, file):
    [response] = reflection.ask(reflection.pb2.ServerReflectionRequest(file_containing_symbol=symbol))
    assert response.WhichOneof("message_response") == "file_descriptor_response", response
    assert file_names(response)[0] == file
    pool = build_pool(response.file_descriptor_response.file_descriptor_proto)
    pool.FindFileContainingSymbol(symbol)


def test_several_questions_on_one_stream(reflection):
    pb2 = reflection.pb2
    responses = reflection.ask(
        pb2.ServerReflectionRequest(list_services=""),
        pb2.ServerReflectionRequest(file_containing_symbol="axrpc.v1.Inference"),
        pb2.ServerReflectionRequest(file_containing_symbol="no.such.Symbol"),
        pb2.ServerReflectionRequest(file_by_filename="axrpc/v1/inference.proto"))
    assert [r.WhichOneof("message_response") for r in responses] == [
        "list_services_response", "file_descriptor_response", "error_response",
        "file_descriptor_response"]


def test_unknown_symbol_is_not_found(reflection):
    [response] = reflection.ask(
        reflection.pb2.ServerReflectionRequest(file_containing_symbol="no.such.Symbol"))
    assert response.WhichOneof("message_response") == "error_response", response
    assert response.error_response.error_code == NOT_FOUND, response


def test_unknown_file_is_not_found(reflection):
    [response] = reflection.ask(
        reflection.pb2.ServerReflectionRequest(file_by_filename="no/such/file.proto"))
    assert response.WhichOneof("message_response") == "error_response", response
    assert response.error_response.error_code == NOT_FOUND, response


def test_proto_reflection_descriptor_database(channel):
    """grpcio-reflection's own client (v1alpha) feeding a DescriptorPool, as grpcurl-like tools do."""
    database_module = pytest.importorskip("grpc_reflection.v1alpha.proto_reflection_descriptor_database")
    database = database_module.ProtoReflectionDescriptorDatabase(channel)
    services = set(database.get_services())
    assert {"axrpc.v1.Inference", "grpc.health.v1.Health"} <= services, services

    pool = descriptor_pool.DescriptorPool(database)
    service = pool.FindServiceByName("axrpc.v1.Inference")
    assert {m.name for m in service.methods} == set(INFERENCE_METHODS)
    watch = service.methods_by_name["WatchHealth"]
    assert watch.server_streaming and not watch.client_streaming

    response_class = message_factory.GetMessageClass(watch.output_type)
    request_class = message_factory.GetMessageClass(watch.input_type)
    call = channel.unary_stream(f"/{service.full_name}/{watch.name}",
                                request_serializer=request_class.SerializeToString,
                                response_deserializer=response_class.FromString)
    stream = call(request_class(), timeout=10)
    try:
        first = next(stream)
    finally:
        stream.cancel()
    assert first.version

    health_service = pool.FindServiceByName("grpc.health.v1.Health")
    assert {"Check", "Watch"} <= {m.name for m in health_service.methods}


def test_a_stream_longer_than_its_window_is_answered_whole(reflection):
    """The server gives a bidirectional stream's flow-control window back as the handler takes
    each message (so a client that stops reading cannot make it buffer without bound); 3 MiB of
    questions, three times the stream's window, must still all be answered."""
    host = "h" * 1024
    questions = [reflection.pb2.ServerReflectionRequest(host=host, list_services="")
                 for _ in range(3 * 1024)]
    answers = reflection.ask(*questions)
    assert all(answer.valid_host == host for answer in answers)
