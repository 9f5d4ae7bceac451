"""Request-scoped logging: with `--log-format json` every log line is one JSON object, and one
Generate's lines from the transport, the queue and the runtime session share one request id;
an HTTP request's lines share the gateway's."""

import json
import re
import subprocess
import time

import grpc
import requests

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def json_lines(server) -> list[dict]:
    """Every log line parsed; the one plain `listening` line (for scripts) is not a log line."""
    entries = []
    for line in list(server.stderr_lines):
        if line.startswith("axrpc-server listening"):
            continue
        entry = json.loads(line)  # fails the test on any line that is not one JSON object
        assert isinstance(entry, dict), line
        entries.append(entry)
    return entries


def wait_for(server, predicate, timeout: float = 10) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        entries = json_lines(server)
        if predicate(entries) or time.monotonic() > deadline:
            return entries
        time.sleep(0.05)


def test_one_generate_shares_one_request_id_from_transport_to_runtime(gateway_factory, protos):
    server = gateway_factory("--log-format", "json", "--log-level", "debug")
    with grpc.insecure_channel(server.grpc_addr) as channel:
        stub = protos.pb2_grpc.InferenceStub(channel)
        events = list(stub.Generate(protos.pb2.GenerateRequest(prompt="Why is the sky blue?"), timeout=30))
    assert events[-1].WhichOneof("event") == "done"

    def finished(entries):
        return any(e.get("msg") == "call finished" and e.get("path") == "/axrpc.v1.Inference/Generate"
                   for e in entries)

    entries = wait_for(server, finished)
    assert entries, server.describe()
    for entry in entries:
        assert TIMESTAMP.match(entry["ts"]), entry
        assert {"level", "label", "msg"} <= entry.keys(), entry
    started = [e for e in entries if e.get("msg") == "call started" and e.get("path") == "/axrpc.v1.Inference/Generate"]
    assert len(started) == 1, server.describe()
    request_id = started[0]["request_id"]
    messages = [e["msg"] for e in entries if e.get("request_id") == request_id]
    # The transport's ("call ..."), the queue's ("started": it left the queue) and the runtime
    # session's ("task accepted") lines of this one call.
    for expected in ("call started", "started", "task accepted", "finished", "call finished"):
        assert expected in messages, f"{expected!r} not among {messages}"
    others = {e.get("request_id") for e in entries if e.get("msg") == "task accepted"}
    assert others == {request_id}, others


def test_an_http_generation_logs_under_its_request_id(gateway_factory):
    server = gateway_factory("--log-format", "json", "--log-level", "debug")
    reply = requests.post(f"{server.http_url}/api/generate",
                          json={"model": "qwen3:4b", "prompt": "Hi", "stream": False}, timeout=30)
    assert reply.status_code == 200, reply.text

    def logged(entries):
        return any(e.get("msg") == "http request" and e.get("path") == "/api/generate" for e in entries)

    entries = wait_for(server, logged)
    access = [e for e in entries if e.get("msg") == "http request" and e.get("path") == "/api/generate"]
    assert access, server.describe()
    request_id = access[0]["request_id"]
    messages = [e["msg"] for e in entries if e.get("request_id") == request_id]
    assert "task accepted" in messages and "finished" in messages, messages


def test_an_unknown_log_format_is_refused(server_binary):
    """The line shapes themselves are unit-tested (LogLineFormatterTests)."""
    binary = server_binary
    result = subprocess.run([binary, "--log-format", "yaml", "--no-runtime"], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode != 0 and "--log-format must be one of: text, json, journal" in result.stderr, result
