"""Token counts and decode speed agree across every face of the server (issue 8): against the
emulator at 4.5 tokens/s, Ollama's `eval_count / eval_duration`, the gRPC summary's
`tokens_per_second`, the `axrpc -v` line and the `axrpc_decode_tokens_per_second` metric all land
within 5 % of 4.5 (of the rate the emulator itself reports at EOS, which is 4.5 on an idle
machine and a little lower when the machine is loaded), and `max_tokens` / `num_predict` / `max_completion_tokens` are exact in the
tokens delivered (the emulator's ASCII words are one token each)."""
from __future__ import annotations

import os
import re
import subprocess

import grpc
import httpx
import pytest

from conftest import _gateway_process
from gateway_helpers import MODEL, emulator_state, wait_ready, wait_until

RATE = 4.5
# 18 body tokens at 4.5 tokens/s: about 5 s a reply; short prefill.
# ASCII words only: one token each, so counts are exact (see the README on token counts).
EMULATOR = f"--tokens-per-second {RATE} --reply-tokens 18 --ttft-ms 20 --prefill-ms-per-chunk 20 --ascii-words-only"
THINK_TOKENS = 4


def within(rate: float, what: str, actual: float = RATE) -> None:
    assert abs(rate - actual) <= 0.05 * actual, \
        f"{what}: {rate:.3f} tokens/s is not within 5 % of the runtime's {actual:.3f} (nominal {RATE})"


def runtime_rate(server, prompt: str) -> float:
    """The decode rate the emulator printed for that generation (`hit eos,avg ... token/s`)."""
    rate = record_for(server, prompt)["decode_tokens_per_second"]
    assert rate is not None, "the generation did not end at EOS"
    assert abs(rate - RATE) <= 0.15 * RATE, f"the emulator itself ran at {rate} tokens/s: machine overloaded?"
    return rate


def first_body_tokens(record: dict, count: int) -> str:
    """The text of the first `count` tokens after the think prefix, from the emulator's record."""
    lengths = record["token_byte_lengths"]
    start = sum(lengths[:THINK_TOKENS])
    data = record["queued_text"].encode("utf-8")
    return data[start:start + sum(lengths[THINK_TOKENS:THINK_TOKENS + count])].decode("utf-8")


def record_for(server, prompt: str) -> dict:
    """The emulator's record of the generation for `prompt`; a reply cut by `max_tokens` is
    answered before the runtime has stopped, so the record may appear a moment later."""
    def found():
        matches = [g for g in emulator_state(server)["generations"] if g["prompt"] == prompt]
        return matches[-1] if matches else None

    return wait_until(found, 15, f"the emulator's record of {prompt!r}")


@pytest.fixture(scope="module")
def server(server_binary):
    """One gateway server for the module, its emulator at 4.5 tokens/s."""
    server = _gateway_process(server_binary, [], EMULATOR).start()
    try:
        wait_ready(server)
        yield server
    finally:
        server.stop()


def test_ollama_eval_rate_matches_the_runtime(server):
    prompt = "accounting: ollama rate"
    reply = httpx.post(f"{server.http_url}/api/generate", timeout=60,
                       json={"model": MODEL, "prompt": prompt, "stream": False}).json()
    assert reply["done_reason"] == "stop", reply
    within(reply["eval_count"] / (reply["eval_duration"] / 1e9), "Ollama eval_count / eval_duration",
           runtime_rate(server, prompt))


def test_grpc_summary_rate_and_metric(server, protos):
    pb2 = protos.pb2
    with grpc.insecure_channel(server.grpc_addr) as channel:
        stub = protos.pb2_grpc.InferenceStub(channel)
        events = list(stub.Generate(pb2.GenerateRequest(prompt="accounting: grpc rate"), timeout=60))
    done = events[-1].done
    actual = runtime_rate(server, "accounting: grpc rate")
    within(done.timings.tokens_per_second, "gRPC Timings.tokens_per_second", actual)
    assert done.usage.estimated, "the runtime reports no token ids: counts say they are estimated"
    metrics = httpx.get(f"{server.http_url}/metrics", timeout=10).text
    match = re.search(r"^axrpc_decode_tokens_per_second(?:\{[^}]*\})? ([0-9.eE+-]+)$", metrics, re.M)
    assert match, "no axrpc_decode_tokens_per_second sample"
    within(float(match.group(1)), "axrpc_decode_tokens_per_second", actual)


def test_cli_verbose_rate(server):
    cli = os.environ.get("AXRPC_CLI")
    if not cli or not os.path.exists(cli):
        pytest.skip("AXRPC_CLI is not set")
    result = subprocess.run([cli, "--addr", server.grpc_addr, "generate", "-v", "accounting: cli rate"],
                            capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    err = result.stderr.decode()
    assert result.returncode == 0, err
    match = re.search(r"([0-9.]+) tokens/s", err)
    assert match, err
    within(float(match.group(1)), "axrpc generate -v", runtime_rate(server, "accounting: cli rate"))


def ascii_words(server, prompt: str, count: int) -> str | None:
    """The first `count` body tokens of the generation for `prompt` when they (and the token that
    follows) are plain ASCII words, the case where counts are exact; else None. The emulator's
    vocabulary also has words it splits at byte level, which the bridge counts as one piece."""
    record = record_for(server, prompt)
    lengths = record["token_byte_lengths"]
    start = sum(lengths[:THINK_TOKENS])
    decisive = record["queued_text"].encode("utf-8")[start:start + sum(lengths[THINK_TOKENS:THINK_TOKENS + count + 1])]
    return first_body_tokens(record, count) if decisive.isascii() else None


def exact_cases(server, name: str, count: int, call):
    """Runs `call(prompt)` with prompts until one whose reply starts with plain ASCII words (the
    replies are seeded by the prompt, so this is deterministic); yields (reply, wanted text)."""
    for attempt in range(8):
        prompt = f"accounting: {name} {attempt}"
        reply = call(prompt)
        wanted = ascii_words(server, prompt, count)
        if wanted is not None:
            return reply, wanted
    pytest.fail(f"no prompt of 8 gave a reply starting with {count} ASCII words")


def test_num_predict_is_exact(server):
    def call(prompt):
        return httpx.post(f"{server.http_url}/api/generate", timeout=60,
                          json={"model": MODEL, "prompt": prompt, "stream": False,
                                "options": {"num_predict": 5}}).json()

    reply, wanted = exact_cases(server, "num_predict", 5, call)
    assert reply["done_reason"] == "length", reply
    assert reply["eval_count"] == 5, reply
    assert reply["response"] == wanted


def test_max_completion_tokens_is_exact(server):
    def call(prompt):
        return httpx.post(f"{server.http_url}/v1/chat/completions", timeout=60,
                          json={"model": MODEL, "messages": [{"role": "user", "content": prompt}],
                                "max_completion_tokens": 3}).json()

    reply, wanted = exact_cases(server, "max_completion_tokens", 3, call)
    choice = reply["choices"][0]
    assert choice["finish_reason"] == "length", reply
    assert reply["usage"]["completion_tokens"] == 3, reply
    assert choice["message"]["content"] == wanted


def test_max_tokens_is_exact_on_grpc(server, protos):
    pb2 = protos.pb2

    def call(prompt):
        with grpc.insecure_channel(server.grpc_addr) as channel:
            stub = protos.pb2_grpc.InferenceStub(channel)
            return list(stub.Generate(pb2.GenerateRequest(prompt=prompt, options=pb2.SamplingOptions(max_tokens=8)),
                                      timeout=60))

    events, wanted = exact_cases(server, "grpc max_tokens", 8, call)
    text = "".join(e.delta for e in events if e.WhichOneof("event") == "delta")
    assert events[-1].done.usage.completion_tokens == 8
    assert text == wanted
