"""/metrics follows Prometheus' conventions, checked by `promtool check metrics` (Debian's
`prometheus` package) when it is installed and always by a parser-based lint of the same rules:
HELP and TYPE on every family, counters ending in _total, base units, build info, the runtime
state as labelled 0/1 series, gRPC and HTTP outcomes in separate families with bounded route
labels, and OpenAI streams that ended with [DONE] counted as 200 (never 499)."""

from __future__ import annotations

import re
import shutil
import subprocess

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway_helpers import MODEL, wait_ready

openai = pytest.importorskip("openai")


@pytest.fixture(scope="module")
def exposition(gateway) -> str:
    wait_ready(gateway)
    client = openai.OpenAI(base_url=f"{gateway.http_url}/v1", api_key="unused", max_retries=0)
    for _ in range(6):
        chunks = list(client.chat.completions.create(model=MODEL, stream=True,
                                                     messages=[{"role": "user", "content": "count me"}]))
        assert chunks[-1].choices[0].finish_reason
    httpx.get(f"{gateway.http_url}/v1/models/{MODEL}")
    httpx.get(f"{gateway.http_url}/no/such/path")
    return httpx.get(f"{gateway.http_url}/metrics").text


def test_promtool_accepts_it(exposition):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian package `prometheus`); the parser lint below still runs")
    result = subprocess.run([promtool, "check", "metrics"], input=exposition.encode(), capture_output=True, timeout=30)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()


def test_lint(exposition):
    helps = re.findall(r"^# HELP (\S+) (.+)$", exposition, re.M)
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", exposition, re.M))
    assert len({name for name, _ in helps}) == len(helps) and set(dict(helps)) == set(types)
    for family in text_string_to_metric_families(exposition):
        assert family.documentation, f"{family.name} has no HELP"
        name = family.name + ("_total" if family.type == "counter" else "")
        assert name.startswith("axrpc_"), name
        if family.type == "counter":
            assert name.endswith("_total") and name in types, name
        if family.type == "histogram":
            assert family.name.endswith("_seconds"), family.name
        for sample in family.samples:
            assert not any(key in ("path", "url") for key in sample.labels), sample


def test_conventions(exposition):
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(exposition) for s in family.samples}
    assert samples[("axrpc_build_info", (("version", "0.1.0"),))] == 1
    states = {dict(labels)["state"]: v for (name, labels), v in samples.items() if name == "axrpc_runtime_state"}
    assert set(states) == {"starting", "ready", "busy", "restarting", "failed", "stopped"}
    assert sum(states.values()) == 1 and states["ready"] == 1, states
    http = {labels: v for (name, labels), v in samples.items() if name == "axrpc_http_requests_total"}
    routes = {dict(labels)["route"] for labels in http}
    assert {"/v1/chat/completions", "/v1/models/{id}", "unmatched"} <= routes, routes
    assert all(dict(labels)["code"].isdigit() for labels in http)
    assert http[(("api", "openai"), ("code", "200"), ("route", "/v1/chat/completions"))] == 6
    assert not any(dict(labels)["code"] == "499" for labels in http), http
    grpc_codes = {dict(labels)["grpc_code"] for (name, labels) in samples if name == "axrpc_grpc_requests_total"}
    assert all(code.isupper() for code in grpc_codes), grpc_codes
