"""Walks the field tables of docs/api-fields.md against a running server: every row's example is
sent and its treatment checked. supported: 200 and the field is not reported as ignored; ignored:
200 and the field named in X-Axrpc-Ignored-Fields; rejected: 400 whose message names the field.
The README's summary must list the same fields."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from gateway_helpers import MODEL, wait_ready

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| (/\S+) \| (\S+) \| (supported|ignored|rejected) \| `(.*)` \|(.*)\|$")
FAST = "--tokens-per-second 2000 --ttft-ms 1 --prefill-ms-per-chunk 1"


def rows() -> list[tuple[str, str, str, str]]:
    found = []
    for line in (ROOT / "docs" / "api-fields.md").read_text().splitlines():
        match = ROW.match(line)
        if match:
            found.append(match.groups()[:4])
    return found


ROWS = rows()


def base(endpoint: str) -> dict:
    user = [{"role": "user", "content": "field check"}]
    return {
        "/api/generate": {"model": MODEL, "prompt": "field check", "stream": False},
        "/api/chat": {"model": MODEL, "messages": user, "stream": False},
        "/v1/chat/completions": {"model": MODEL, "messages": user},
        "/v1/completions": {"model": MODEL, "prompt": "field check"},
    }[endpoint]


def with_field(endpoint: str, field: str, example):
    body = base(endpoint)
    if field.startswith("options."):
        body["options"] = {field.split(".", 1)[1]: example}
    elif field.startswith("messages[]."):
        body["messages"] = body["messages"][:-1] + [example] + body["messages"][-1:]
    else:
        body[field] = example
    return body


def ignored_fields(reply: httpx.Response) -> set[str]:
    header = reply.headers.get("x-axrpc-ignored-fields", "")
    return {re.sub(r"\[\d+\]", "[]", name.strip()) for name in header.split(",") if name.strip()}


def error_text(reply: httpx.Response) -> str:
    error = reply.json()["error"]
    return error["message"] if isinstance(error, dict) else error


@pytest.fixture(scope="module")
def server(gateway_factory_module):
    return gateway_factory_module


@pytest.fixture(scope="module")
def gateway_factory_module(server_binary):
    from conftest import _gateway_process
    process = _gateway_process(server_binary, [], FAST).start()
    wait_ready(process)
    yield process
    process.stop()


def test_the_table_is_complete():
    table_lines = [line for line in (ROOT / "docs" / "api-fields.md").read_text().splitlines()
                   if line.startswith("| /")]
    assert len(ROWS) == len(table_lines), "a row of docs/api-fields.md does not parse"
    endpoints = {row[0] for row in ROWS}
    assert endpoints == {"/api/generate", "/api/chat", "/v1/chat/completions", "/v1/completions"}
    assert len(ROWS) > 100


@pytest.mark.parametrize("endpoint,field,treatment,example", ROWS,
                         ids=[f"{r[0]}:{r[1]}={r[3][:24]}" for r in ROWS])
def test_row(server, endpoint, field, treatment, example):
    body = with_field(endpoint, field, json.loads(example))
    reply = httpx.post(f"{server.http_url}{endpoint}", json=body, timeout=30)
    reply.read()
    name = field.replace("messages[].", "messages[].")
    if treatment == "rejected":
        assert reply.status_code == 400, (reply.status_code, reply.text)
        pattern = re.escape(name).replace(r"\[\]", r"\[\d+\]")
        assert re.search(rf"(^|[^\w.]){pattern}([^\w]|$)", error_text(reply)), error_text(reply)
        return
    assert reply.status_code == 200, (reply.status_code, reply.text)
    if treatment == "ignored":
        assert name in ignored_fields(reply), reply.headers
    else:
        assert name not in ignored_fields(reply), reply.headers


def test_readme_lists_every_field():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Request fields"):]
    section = section[:section.index("\n## ", 5)]
    for endpoint, field, _, _ in ROWS:
        assert f"`{field}`" in section, f"{endpoint} {field} is missing from the README's table"
