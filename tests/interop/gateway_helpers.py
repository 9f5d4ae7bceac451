"""Helpers shared by the HTTP gateway tests: the runtime's readiness through /readyz, the
emulator's record of what it received, and the gRPC face's text for the same request."""
from __future__ import annotations

import grpc
import httpx

import interop_helpers

MODEL = "qwen3:4b"
# Slow enough that a generation is still running when the test acts on it (40 tokens at 5/s).
SLOW_EMULATOR = "--tokens-per-second 5 --reply-tokens 40 --ttft-ms 5 --prefill-ms-per-chunk 5"


def emulator_state(server) -> dict:
    return interop_helpers.emulator_state(server.emulator_port)


def wait_until(probe, timeout: float, what: str):
    return interop_helpers.poll_until(probe, timeout, what)


def wait_ready(server, timeout: float = 30.0) -> dict:
    def ready():
        reply = httpx.get(f"{server.http_url}/readyz", timeout=5)
        return reply.json() if reply.status_code == 200 else None

    return wait_until(ready, timeout, "/readyz 200")


def settle(server, timeout: float = 10.0) -> None:
    """Waits until the runtime is idle again (ready, not busy; nothing queued) after a test
    cancelled generations, so that the server's shutdown does not race the runtime's stop."""
    def idle():
        body = httpx.get(f"{server.http_url}/readyz", timeout=5).json()
        return body["runtime_state"] == "ready" and body["queue_depth"] == 0

    wait_until(idle, timeout, "the runtime to be idle")


def grpc_text(protos, server, *, prompt: str | None = None, messages=None, **fields) -> str:
    """The text the gRPC face generates for the same request."""
    pb2 = protos.pb2
    with grpc.insecure_channel(server.grpc_addr) as channel:
        stub = protos.pb2_grpc.InferenceStub(channel)
        if messages is None:
            call = stub.Generate(pb2.GenerateRequest(prompt=prompt, **fields), timeout=30)
        else:
            roles = {"system": pb2.ROLE_SYSTEM, "user": pb2.ROLE_USER, "assistant": pb2.ROLE_ASSISTANT}
            chat = [pb2.ChatMessage(role=roles[m["role"]], content=m["content"]) for m in messages]
            call = stub.Chat(pb2.ChatRequest(messages=chat, **fields), timeout=30)
        return "".join(event.delta for event in call if event.WhichOneof("event") == "delta")
