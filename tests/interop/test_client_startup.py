"""What popular clients call when they start or hit their first feature, and the endpoints the
server cannot serve the usual way: each answered usefully.

* Open WebUI (not a small PyPI install; its calls are replayed from its Ollama and OpenAI
  routers): /api/version, /api/tags, /api/ps, /api/show, /v1/models, /api/pull, /api/delete,
  /api/embed for RAG;
* Continue (a VS Code extension, not on PyPI; replayed from core/llm/llms/Ollama.ts): /api/show
  with `name` (reads `num_ctx` from `parameters`, FIM from `.Suffix` in `template`), then
  /api/chat with keep_alive and Modelfile options;
* LiteLLM and LangChain (from PyPI): run for real.
"""

from __future__ import annotations

import os

import httpx
import pytest

from gateway_helpers import MODEL, wait_ready

ollama = pytest.importorskip("ollama")
openai = pytest.importorskip("openai")


@pytest.fixture(scope="module")
def server(gateway):
    wait_ready(gateway)
    return gateway


def test_open_webui_startup_calls(server):
    base = server.http_url
    assert httpx.get(f"{base}/api/version").json()["version"]
    [model] = httpx.get(f"{base}/api/tags").json()["models"]
    assert model["name"] == MODEL
    assert [m["name"] for m in httpx.get(f"{base}/api/ps").json()["models"]] == [MODEL]
    show = httpx.post(f"{base}/api/show", json={"model": MODEL}).json()
    assert "tools" in show["capabilities"] and show["model_info"]
    assert [m["id"] for m in httpx.get(f"{base}/v1/models").json()["data"]] == [MODEL]


def test_pull_of_the_installed_model_succeeds_like_ollama(server):
    client = ollama.Client(host=server.http_url)
    statuses = [part.status for part in client.pull(MODEL, stream=True)]
    assert statuses[0] == "pulling manifest" and statuses[-1] == "success", statuses
    assert client.pull(MODEL + ":latest").status == "success"


def test_pull_of_another_model_fails_clearly(server):
    with pytest.raises(ollama.ResponseError) as info:
        ollama.Client(host=server.http_url).pull("llama3.2:1b")
    assert info.value.status_code == 404
    assert "cannot download models" in info.value.error and MODEL in info.value.error


def test_delete_is_refused(server):
    with pytest.raises(ollama.ResponseError) as info:
        ollama.Client(host=server.http_url).delete(MODEL)
    assert info.value.status_code == 403 and "cannot change its models" in info.value.error


def test_embeddings_are_501_naming_the_missing_head(server):
    with pytest.raises(ollama.ResponseError) as info:
        ollama.Client(host=server.http_url).embed(model=MODEL, input="hello")
    assert info.value.status_code == 501 and "embedding head" in info.value.error
    legacy = httpx.post(f"{server.http_url}/api/embeddings", json={"model": MODEL, "prompt": "hello"})
    assert legacy.status_code == 501 and "embedding head" in legacy.json()["error"]
    client = openai.OpenAI(base_url=f"{server.http_url}/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        client.embeddings.create(model=MODEL, input="hello")
    assert info.value.status_code == 501 and info.value.body["code"] == "embeddings_not_supported"


def test_langchain_embeddings_error_names_the_cause(server):
    embeddings = pytest.importorskip("langchain_ollama").OllamaEmbeddings(model=MODEL, base_url=server.http_url)
    with pytest.raises(Exception) as info:
        embeddings.embed_query("hello")
    assert "embedding head" in str(info.value)


def test_continue_startup_and_chat(server):
    base = server.http_url
    show = httpx.post(f"{base}/api/show", json={"name": MODEL}).json()
    assert show["parameters"].split("\n")[0].split() == ["num_ctx", "2048"]
    assert ".Suffix" not in show["template"]   # so Continue does not try fill-in-the-middle
    reply = httpx.post(f"{base}/api/chat", json={
        "model": MODEL, "messages": [{"role": "user", "content": "hi"}], "keep_alive": 1800, "stream": False,
        "options": {"temperature": 0.2, "num_ctx": 2048, "num_predict": 8}}, timeout=30)
    assert reply.status_code == 200 and reply.json()["message"]["content"]
    assert reply.headers["x-axrpc-ignored-fields"] == "keep_alive, options.num_ctx"


def test_langchain_chat_ollama_validates_the_model_on_init(server):
    from langchain_ollama import ChatOllama
    chat = ChatOllama(model=MODEL, base_url=server.http_url, validate_model_on_init=True)
    assert chat.invoke("hi").content


def test_litellm_ollama_chat_and_openai(server):
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    litellm = pytest.importorskip("litellm")
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
    reply = litellm.completion(model=f"ollama_chat/{MODEL}", api_base=server.http_url,
                               messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content
    for model, base in ((f"ollama_chat/{MODEL}", server.http_url), (f"openai/{MODEL}", f"{server.http_url}/v1")):
        reply = litellm.completion(model=model, api_base=base, api_key="unused", tools=tools,
                                   messages=[{"role": "user", "content": "weather in Oslo?"}])
        [call] = reply.choices[0].message.tool_calls
        assert call.function.name == "get_weather", model
