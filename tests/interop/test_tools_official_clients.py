"""Tool calling and JSON output through the official `openai` and `ollama` packages: streamed
tool-call deltas and finish_reason "tool_calls", tool_choice none/required/named, a required call
the model did not make (502 tool_call_missing), Ollama's message.tool_calls, JSON format with and
without a schema, and the 502 for a reply that is not the JSON asked for."""

from __future__ import annotations

import json

import pytest

from gateway_helpers import MODEL, emulator_state, wait_ready

openai = pytest.importorskip("openai")
ollama = pytest.importorskip("ollama")

TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                      "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                     "required": ["city"]}}},
    {"type": "function", "function": {"name": "get_time", "description": "Time in a zone",
                                      "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}}}},
]
USER = [{"role": "user", "content": "Weather in Rome?"}]


@pytest.fixture(scope="module")
def oai(gateway):
    wait_ready(gateway)
    return openai.OpenAI(base_url=f"{gateway.http_url}/v1", api_key="unused", max_retries=0, timeout=60)


@pytest.fixture(scope="module")
def oll(gateway):
    wait_ready(gateway)
    return ollama.Client(host=gateway.http_url)


def test_openai_streamed_tool_call(oai):
    chunks = list(oai.chat.completions.create(model=MODEL, messages=USER, tools=TOOLS, stream=True))
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    calls = [call for delta in deltas for call in (delta.tool_calls or [])]
    assert [(c.index, c.function.name, json.loads(c.function.arguments)) for c in calls] == \
        [(0, "get_weather", {"city": "example"})]
    assert calls[0].id.startswith("call_") and calls[0].type == "function"
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    assert "".join(d.content or "" for d in deltas) == ""


def test_openai_tool_choice_named_offers_only_that_tool(oai, gateway):
    completion = oai.chat.completions.create(model=MODEL, messages=USER, tools=TOOLS,
                                             tool_choice={"type": "function", "function": {"name": "get_time"}})
    [call] = completion.choices[0].message.tool_calls
    assert call.function.name == "get_time"
    system = [c for c in emulator_state(gateway)["calls"] if c.get("kind") == "reset"][-1]["system_prompt"]
    assert '"name": "get_weather"' not in system and 'You must call the function "get_time"' in system


def test_openai_tool_choice_none_answers_in_text(oai):
    completion = oai.chat.completions.create(model=MODEL, messages=USER, tools=TOOLS, tool_choice="none")
    choice = completion.choices[0]
    assert choice.message.tool_calls is None and choice.message.content
    assert choice.finish_reason in ("stop", "length")


def test_openai_required_call_not_made_is_502(oai):
    # After a tool result the emulator answers in text: a required call is then missing.
    messages = USER + [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]
    for stream in (False, True):
        with pytest.raises(openai.APIStatusError) as info:
            result = oai.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS, tool_choice="required",
                                                 stream=stream)
            list(result) if stream else None
        assert info.value.status_code == 502
        assert info.value.body["code"] == "tool_call_missing", info.value.body
        assert "tool_choice required a tool call" in info.value.body["message"]


def test_openai_unknown_tool_choice_is_400(oai):
    with pytest.raises(openai.BadRequestError) as info:
        oai.chat.completions.create(model=MODEL, messages=USER, tools=TOOLS, tool_choice="nope")
    assert "tool_choice" in str(info.value)


def test_ollama_tool_calls_and_result(oll, gateway):
    reply = oll.chat(model=MODEL, messages=USER, tools=TOOLS)
    [call] = reply.message.tool_calls
    assert call.function.name == "get_weather" and call.function.arguments == {"city": "example"}
    streamed = [part for part in oll.chat(model=MODEL, messages=USER, tools=TOOLS, stream=True)]
    assert [c.function.name for p in streamed for c in (p.message.tool_calls or [])] == ["get_weather"]
    follow = oll.chat(model=MODEL, tools=TOOLS, messages=USER + [
        {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather",
                                                                        "arguments": {"city": "Rome"}}}]},
        {"role": "tool", "content": "sunny", "tool_name": "get_weather"}])
    assert not follow.message.tool_calls and follow.message.content
    prompt = [c for c in emulator_state(gateway)["calls"] if c.get("kind") == "generate"][-1]["prompt"]
    assert prompt.endswith("<tool_response>\nsunny\n</tool_response>")
    assert '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Rome"}}\n</tool_call>' in prompt


def test_ollama_json_format(oll):
    reply = oll.generate(model=MODEL, prompt="a colour", format="json")
    assert set(json.loads(reply.response)) == {"answer"}
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "hex": {"type": "string"}},
              "required": ["name", "hex"]}
    reply = oll.chat(model=MODEL, messages=[{"role": "user", "content": "a colour"}], format=schema)
    assert json.loads(reply.message.content) == {"name": "example", "hex": "example"}


def test_openai_json_schema_streamed(oai):
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    chunks = list(oai.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "ok?"}], stream=True,
        response_format={"type": "json_schema", "json_schema": {"name": "r", "schema": schema}}))
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert json.loads(content) == {"ok": True}


def test_reply_that_is_not_the_json_asked_for_is_502(oai):
    # The instruction sits in the system prompt; a schema the emulator's instance cannot satisfy
    # (a minimum above its integer 1) stands for a model that answered wrongly.
    schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 5}}, "required": ["n"]}
    with pytest.raises(openai.APIStatusError) as info:
        oai.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "n?"}],
                                    response_format={"type": "json_schema", "json_schema": {"name": "r", "schema": schema}})
    assert info.value.status_code == 502 and info.value.body["code"] == "invalid_json_output"
    assert "$.n must be at least 5" in info.value.body["message"]
