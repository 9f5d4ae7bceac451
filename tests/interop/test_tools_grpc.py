"""Tool calling and JSON output through the gRPC API with grpcio: a two-step tool loop (the call
arrives as a `tool_call` event with FINISH_REASON_TOOL_CALLS, the result goes back as ROLE_TOOL,
the final answer is text), a required tool choice, and OutputFormat with a schema."""

from __future__ import annotations

import json

import grpc
import pytest

from gateway_helpers import emulator_state, wait_ready

WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["C", "F"]}},
                  "required": ["city"]}


@pytest.fixture(scope="module")
def stub(gateway, protos):
    wait_ready(gateway)
    with grpc.insecure_channel(gateway.grpc_addr) as channel:
        yield protos.pb2_grpc.InferenceStub(channel)


def run(call):
    events = list(call)
    kinds = [event.WhichOneof("event") for event in events]
    assert kinds[-1] == "done", kinds
    text = "".join(event.delta for event in events if event.WhichOneof("event") == "delta")
    calls = [event.tool_call for event in events if event.WhichOneof("event") == "tool_call"]
    return text, calls, events[-1].done


def test_two_step_tool_loop(stub, protos, gateway):
    pb2 = protos.pb2
    tool = pb2.Tool(name="get_weather", description="Weather for a city", parameters_json=json.dumps(WEATHER_SCHEMA))
    messages = [pb2.ChatMessage(role=pb2.ROLE_USER, content="Weather in Oslo?")]
    text, calls, done = run(stub.Chat(pb2.ChatRequest(messages=messages, tools=[tool]), timeout=30))
    assert text == ""
    assert len(calls) == 1 and calls[0].name == "get_weather" and calls[0].id.startswith("call_")
    assert json.loads(calls[0].arguments_json) == {"city": "example", "unit": "C"}
    assert done.finish_reason == pb2.FINISH_REASON_TOOL_CALLS

    messages += [pb2.ChatMessage(role=pb2.ROLE_ASSISTANT, tool_calls=calls),
                 pb2.ChatMessage(role=pb2.ROLE_TOOL, content='{"temp": 3}', tool_call_id=calls[0].id)]
    text, calls, done = run(stub.Chat(pb2.ChatRequest(messages=messages, tools=[tool]), timeout=30))
    assert calls == [] and text.strip()
    assert done.finish_reason == pb2.FINISH_REASON_STOP
    # The earlier call went back as Qwen's <tool_call> text and continued the held conversation.
    assert done.context_reused
    last = [c for c in emulator_state(gateway)["calls"] if c.get("kind") == "generate"][-1]
    assert last["prompt"] == '<tool_response>\n{"temp": 3}\n</tool_response>'


def test_tool_choice_none_leaves_tools_out(stub, protos):
    pb2 = protos.pb2
    tool = pb2.Tool(name="get_weather", parameters_json=json.dumps(WEATHER_SCHEMA))
    request = pb2.ChatRequest(messages=[pb2.ChatMessage(role=pb2.ROLE_USER, content="hi")], tools=[tool],
                              tool_choice="none")
    text, calls, done = run(stub.Chat(request, timeout=30))
    assert calls == [] and text and done.finish_reason != pb2.FINISH_REASON_TOOL_CALLS


def test_bad_tool_definitions_are_invalid_argument(stub, protos):
    pb2 = protos.pb2
    user = [pb2.ChatMessage(role=pb2.ROLE_USER, content="hi")]
    for request in (pb2.ChatRequest(messages=user, tools=[pb2.Tool(name="f", parameters_json="[1]")]),
                    pb2.ChatRequest(messages=user, tools=[pb2.Tool(name="f")], tool_choice="g")):
        with pytest.raises(grpc.RpcError) as info:
            run(stub.Chat(request, timeout=30))
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT, info.value.details()


def test_json_output_with_schema(stub, protos):
    pb2 = protos.pb2
    schema = {"type": "object", "properties": {"title": {"type": "string"}, "year": {"type": "integer"}}}
    request = pb2.GenerateRequest(prompt="A film", format=pb2.OutputFormat(json_schema=json.dumps(schema)))
    text, calls, done = run(stub.Generate(request, timeout=30))
    assert json.loads(text) == {"title": "example", "year": 1}
    request = pb2.ChatRequest(messages=[pb2.ChatMessage(role=pb2.ROLE_USER, content="hi")],
                              format=pb2.OutputFormat(json=True))
    text, _, _ = run(stub.Chat(request, timeout=30))
    assert set(json.loads(text)) == {"answer"}


def test_required_call_not_made_is_internal(stub, protos):
    pb2 = protos.pb2
    tool = pb2.Tool(name="get_weather", parameters_json=json.dumps(WEATHER_SCHEMA))
    call = pb2.ToolCall(id="call_1", name="get_weather", arguments_json='{"city": "Oslo"}')
    # After a tool result the emulator answers in text, so the required call is missing.
    messages = [pb2.ChatMessage(role=pb2.ROLE_USER, content="Weather in Oslo?"),
                pb2.ChatMessage(role=pb2.ROLE_ASSISTANT, tool_calls=[call]),
                pb2.ChatMessage(role=pb2.ROLE_TOOL, content="3 C", tool_call_id="call_1")]
    with pytest.raises(grpc.RpcError) as info:
        run(stub.Chat(pb2.ChatRequest(messages=messages, tools=[tool], tool_choice="required"), timeout=30))
    assert info.value.code() == grpc.StatusCode.INTERNAL
    assert "tool_choice required a tool call" in info.value.details()
