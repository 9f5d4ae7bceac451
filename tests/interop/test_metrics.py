"""Prometheus metrics (GET /metrics on the gateway port), read with prometheus_client's own text
parser: counters and histograms move by exactly what known gRPC and HTTP requests caused."""
from __future__ import annotations

import grpc
import httpx
from prometheus_client.parser import text_string_to_metric_families

from interop_helpers import poll_until

MODEL = "qwen3:4b"


def scrape(server) -> dict[tuple[str, tuple], float]:
    reply = httpx.get(f"{server.http_url}/metrics", timeout=5)
    assert reply.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def generate(stub, pb, prompt, **options):
    request = pb.GenerateRequest(prompt=prompt, options=pb.SamplingOptions(**options) if options else None)
    return [event for event in stub.Generate(request, timeout=30)]


def test_requests_tokens_and_histograms_move_by_known_amounts(gateway, protos):
    pb = protos.pb2
    with grpc.insecure_channel(gateway.grpc_addr) as channel:
        stub = protos.pb2_grpc.InferenceStub(channel)
        poll_until(lambda: stub.Health(pb.HealthRequest()).runtime_state == pb.RUNTIME_STATE_READY, 30,
                   "the runtime to be ready")
        before = scrape(gateway)

        done = [generate(stub, pb, f"metrics {i}")[-1].done for i in range(2)]
        chat = [pb.ChatMessage(role=pb.ROLE_USER, content="hello metrics")]
        reply = "".join(e.delta for e in stub.Chat(pb.ChatRequest(messages=chat), timeout=30)
                        if e.WhichOneof("event") == "delta")
        chat += [pb.ChatMessage(role=pb.ROLE_ASSISTANT, content=reply),
                 pb.ChatMessage(role=pb.ROLE_USER, content="and again")]
        second = [e for e in stub.Chat(pb.ChatRequest(messages=chat), timeout=30)][-1].done
        assert second.context_reused
        try:
            stub.Generate(pb.GenerateRequest(prompt=""), timeout=10).__next__()
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        ollama = httpx.post(f"{gateway.http_url}/api/generate",
                            json={"model": MODEL, "prompt": "via ollama", "stream": False}, timeout=30).json()

    after = scrape(gateway)
    grpc_total = "axrpc_grpc_requests_total"
    generate_ok = dict(method="axrpc.v1.Inference/Generate", grpc_code="OK")
    assert value(after, grpc_total, **generate_ok) - value(before, grpc_total, **generate_ok) == 2
    invalid = dict(method="axrpc.v1.Inference/Generate", grpc_code="INVALID_ARGUMENT")
    assert value(after, grpc_total, **invalid) - value(before, grpc_total, **invalid) == 1
    chat_ok = dict(method="axrpc.v1.Inference/Chat", grpc_code="OK")
    assert value(after, grpc_total, **chat_ok) - value(before, grpc_total, **chat_ok) == 2
    http = "axrpc_http_requests_total"
    ollama_ok = dict(api="ollama", route="/api/generate", code="200")
    assert value(after, http, **ollama_ok) - value(before, http, **ollama_ok) == 1

    # Five generations finished (2 Generate, 2 Chat, 1 Ollama): every histogram counted each once.
    for histogram in ("axrpc_time_to_first_token_seconds", "axrpc_generation_seconds", "axrpc_queue_wait_seconds"):
        assert value(after, histogram + "_count") - value(before, histogram + "_count") == 5, histogram
    tokens = sum(d.usage.completion_tokens for d in done) + second.usage.completion_tokens + ollama["eval_count"]
    moved = value(after, "axrpc_tokens_generated_total") - value(before, "axrpc_tokens_generated_total")
    assert moved > tokens  # plus the first chat turn, whose count the test did not keep
    assert value(after, "axrpc_context_reused_total") - value(before, "axrpc_context_reused_total") == 1
    assert value(after, "axrpc_queue_capacity") == 16
    states = {state: value(after, "axrpc_runtime_state", state=state)
              for state in ("starting", "ready", "busy", "restarting", "failed", "stopped")}
    assert sum(states.values()) == 1 and (states["ready"] == 1 or states["busy"] == 1), states
    assert value(after, "axrpc_decode_tokens_per_second") > 0
