"""Tool calling and structured output through the agent frameworks people use: LangChain's
`ChatOllama` and `ChatOpenAI` (from PyPI) run a two-step tool loop against the gateway with the
emulator (tool call, tool result, final answer), and `with_structured_output` returns a parsed
object. The emulator answers a prompt whose system turn carries Qwen's <tools> block with a call
of the first tool, and a <tool_response> turn with ordinary text (see StructuredReplies.swift)."""

from __future__ import annotations

import pytest

from gateway_helpers import MODEL, emulator_state, wait_ready

langchain_core = pytest.importorskip("langchain_core")
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from pydantic import BaseModel, Field  # noqa: E402


@tool
def get_weather(city: str, days: int) -> str:
    """Get the weather forecast for a city."""
    return f"{city}: sunny, 21 C for {days} days"


class Person(BaseModel):
    """Someone mentioned in the text."""
    name: str = Field(description="the person's name")
    age: int
    tags: list[str]


def ollama_model():
    from langchain_ollama import ChatOllama
    return ChatOllama


def openai_model():
    from langchain_openai import ChatOpenAI
    return ChatOpenAI


def make_chat(kind: str, server, **kwargs):
    if kind == "ollama":
        return ollama_model()(model=MODEL, base_url=server.http_url, **kwargs)
    return openai_model()(model=MODEL, base_url=f"{server.http_url}/v1", api_key="unused", max_retries=0,
                          **kwargs)


@pytest.fixture(scope="module")
def ready_gateway(gateway):
    wait_ready(gateway)
    return gateway


def last_system_prompt(server) -> str:
    resets = [call for call in emulator_state(server)["calls"] if call.get("kind") == "reset"]
    return resets[-1]["system_prompt"] if resets else ""


@pytest.mark.parametrize("kind", ["ollama", "openai"])
@pytest.mark.parametrize("streaming", [False, True])
def test_two_step_tool_loop(ready_gateway, kind, streaming):
    chat = make_chat(kind, ready_gateway).bind_tools([get_weather])
    messages = [SystemMessage("You are a weather assistant."), HumanMessage("What is the weather in Paris?")]
    if streaming:
        first = None
        for chunk in chat.stream(messages):
            first = chunk if first is None else first + chunk
    else:
        first = chat.invoke(messages)
    assert isinstance(first, AIMessage)
    assert len(first.tool_calls) == 1, first
    call = first.tool_calls[0]
    assert call["name"] == "get_weather"
    assert call["args"] == {"city": "example", "days": 1}
    # The model saw the tool the way Qwen's template writes it, after the caller's system text.
    system = last_system_prompt(ready_gateway)
    assert system.startswith("You are a weather assistant.\n\n# Tools\n\n")
    assert '{"type": "function", "function": {"name": "get_weather"' in system

    result = get_weather.invoke(call)
    assert isinstance(result, ToolMessage)
    final = chat.invoke(messages + [first, result])
    assert final.tool_calls == []
    assert isinstance(final.content, str) and final.content.strip()
    # The result reached the model as Qwen's <tool_response> turn.
    generations = [c for c in emulator_state(ready_gateway)["calls"] if c.get("kind") == "generate"]
    assert "<tool_response>\nexample: sunny, 21 C for 1 days\n</tool_response>" in generations[-1]["prompt"]


@pytest.mark.parametrize("kind", ["ollama", "openai"])
@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_with_structured_output_returns_parsed_object(ready_gateway, kind, method):
    structured = make_chat(kind, ready_gateway).with_structured_output(Person, method=method)
    person = structured.invoke("Alice is 30 and likes chess.")
    assert person == Person(name="example", age=1, tags=["example"])


def test_openai_json_mode_structured_output(ready_gateway):
    structured = make_chat("openai", ready_gateway).with_structured_output(None, method="json_mode")
    answer = structured.invoke("Answer in JSON.")
    assert isinstance(answer, dict) and set(answer) == {"answer"}
