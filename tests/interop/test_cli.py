"""The `axrpc` command-line client (AXRPC_CLI) against the real server and its built-in emulator:
its output must say what grpcio sees, its failures must name the gRPC status, and Ctrl-C must
cancel the stream (RST_STREAM CANCEL) rather than drop the connection."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time

import grpc
import pytest

from conftest import ServerProcess, default_server_args
from interop_helpers import emulator_state, free_port, poll_until

# A fast emulator (as the gateway and bridge tests use): 200 tokens/s, short prefill.
FAST = "--tokens-per-second 200 --ttft-ms 5 --prefill-ms-per-chunk 5"
# Slow enough that a test can act while a generation is running.
SLOW = "--tokens-per-second 20 --ttft-ms 5 --prefill-ms-per-chunk 5"
RUNTIME_STATES = {"UNSPECIFIED", "STARTING", "READY", "BUSY", "RESTARTING", "FAILED", "STOPPED"}
UNAVAILABLE_EXIT = 14   # the CLI exits with the gRPC status code
USAGE_EXIT = 64         # ArgumentParser's EX_USAGE


# --------------------------------------------------------------------------------------------
# Helpers


class Cli:
    """Runs the client binary against one server."""

    def __init__(self, binary, addr: str):
        self.binary = str(binary)
        self.addr = addr

    def argv(self, *args: str) -> list[str]:
        return [self.binary, "--addr", self.addr, *args]

    def run(self, *args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        """Runs to the end; stdout and stderr as text (UTF-8)."""
        return subprocess.run(self.argv(*args), input=stdin.encode() if stdin is not None else None,
                              capture_output=True, timeout=timeout, stdin=None if stdin is not None
                              else subprocess.DEVNULL)

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(self.argv(*args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)


def text(stream: bytes) -> str:
    return stream.decode("utf-8")


def describe(result: subprocess.CompletedProcess) -> str:
    return (f"argv: {result.args}\nexit: {result.returncode}\n--- stdout ---\n{text(result.stdout)}"
            f"\n--- stderr ---\n{text(result.stderr)}")


def json_lines(result: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in text(result.stdout).splitlines() if line.strip()]


def grpc_generate_text(protos, addr: str, prompt: str, **options) -> str:
    """The text of a Generate call through grpcio: the reference the CLI must match."""
    pb2 = protos.pb2
    with grpc.insecure_channel(addr) as channel:
        stub = protos.pb2_grpc.InferenceStub(channel)
        call = stub.Generate(pb2.GenerateRequest(prompt=prompt, options=pb2.SamplingOptions(**options)),
                             timeout=30)
        events = list(call)
    assert events and events[-1].WhichOneof("event") == "done", events
    return "".join(event.delta for event in events if event.WhichOneof("event") == "delta")


def wait_until_idle(protos, addr: str, timeout: float = 15.0) -> None:
    """Waits until the runtime is READY with an empty queue after a call was cut short, so that
    the server's SIGTERM on teardown does not race the bridge's own stop request to the runtime."""
    pb2 = protos.pb2
    with grpc.insecure_channel(addr) as channel:
        stub = protos.pb2_grpc.InferenceStub(channel)

        def idle():
            health = stub.Health(pb2.HealthRequest(), timeout=5)
            return health.runtime_state == pb2.RUNTIME_STATE_READY and health.queue_depth == 0

        poll_until(idle, timeout, "the runtime to be READY and idle again", interval=0.05)


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------------------------
# Servers


@pytest.fixture(scope="module")
def fast_server(server_binary):
    """One server per module with a fast emulator on a known port (for `/__emulator/state`)."""
    emulator_port = free_port()
    server = ServerProcess(server_binary, [*default_server_args(), "--emulator-args",
                                           f"--port {emulator_port} {FAST}"]).start()
    server.emulator_port = emulator_port
    yield server
    server.stop()


@pytest.fixture
def cli(cli_binary, fast_server) -> Cli:
    return Cli(cli_binary, fast_server.grpc_addr)


# --------------------------------------------------------------------------------------------
# generate


def test_generate_prints_exactly_the_text_grpc_generate_returns(cli, fast_server, protos):
    prompt = "Why is the sky blue?"
    expected = grpc_generate_text(protos, fast_server.grpc_addr, prompt, max_tokens=24, temperature=0)
    result = cli.run("generate", prompt, "--max-tokens", "24", "--temperature", "0")
    assert result.returncode == 0, describe(result)
    assert expected, "the reference generation is empty"
    # The text as received, then one newline that ends the line.
    assert text(result.stdout) == expected + "\n", describe(result)


def test_generate_json_is_one_event_per_line(cli):
    result = cli.run("--json", "generate", "Name three colours.", "--max-tokens", "12")
    assert result.returncode == 0, describe(result)
    events = json_lines(result)
    assert events[-1]["type"] == "done", events
    assert all(event["type"] in ("queued", "delta") for event in events[:-1]), events
    done = events[-1]
    assert done["finish_reason"] in ("STOP", "LENGTH", "STOP_SEQUENCE"), done
    assert done["model"] == "qwen3:4b", done
    assert done["text"] == "".join(event["text"] for event in events if event["type"] == "delta")
    assert done["usage"]["completion_tokens"] > 0, done
    assert {"queue_ms", "time_to_first_token_ms", "generation_ms", "total_ms",
            "tokens_per_second"} <= done["timings"].keys(), done


def test_generate_verbose_prints_timings_on_stderr(cli):
    result = cli.run("--verbose", "generate", "Hello", "--max-tokens", "8")
    assert result.returncode == 0, describe(result)
    err = text(result.stderr)
    assert "timings:" in err and "first token" in err and "tokens/s" in err, describe(result)
    assert "timings" not in text(result.stdout), describe(result)


def test_max_tokens_limits_the_generation(cli):
    result = cli.run("--json", "generate", "Tell me a long story.", "--max-tokens", "3")
    assert result.returncode == 0, describe(result)
    done = json_lines(result)[-1]
    assert done["finish_reason"] == "LENGTH", done
    assert done["usage"]["completion_tokens"] == 3, done


def test_stop_sequence_cuts_the_text(cli, fast_server, protos):
    prompt = "Describe the runtime."
    full = grpc_generate_text(protos, fast_server.grpc_addr, prompt, max_tokens=30, temperature=0)
    words = full.split()
    assert len(words) > 4, full
    stop = words[3]
    cut = full[:full.index(stop)]
    result = cli.run("--json", "generate", prompt, "--max-tokens", "30", "--temperature", "0",
                     "--stop", "no-such-sequence", "--stop", stop)
    assert result.returncode == 0, describe(result)
    done = json_lines(result)[-1]
    assert done["finish_reason"] == "STOP_SEQUENCE", done
    assert done["text"] == cut, done


def test_sampling_flags_reach_the_runtime(cli, fast_server):
    result = cli.run("generate", "Sampling check.", "--max-tokens", "4", "--temperature", "0.5",
                     "--top-p", "0.75")
    assert result.returncode == 0, describe(result)
    calls = [call for call in emulator_state(fast_server.emulator_port)["calls"] if call["kind"] == "generate"]
    last = calls[-1]
    assert last["temperature"] == pytest.approx(0.5), last
    assert last["top_p"] == pytest.approx(0.75), last
    assert "top-k" not in last["keys_present"], "one filter per request"
    result = cli.run("generate", "Sampling check.", "--max-tokens", "4", "--top-k", "7")
    assert result.returncode == 0, describe(result)
    last = [call for call in emulator_state(fast_server.emulator_port)["calls"] if call["kind"] == "generate"][-1]
    assert last["top_k"] == 7, last


def test_generate_streams_text_before_the_generation_ends(cli_binary, server_factory):
    server = server_factory("--emulator-args", SLOW)
    process = Cli(cli_binary, server.grpc_addr).start("generate", "Stream this.", "--max-tokens", "60")
    try:
        assert process.stdout is not None
        first = process.stdout.read1(4096)   # returns as soon as some text arrived
        assert first, "no output before EOF"
        # 60 tokens at 20 tokens/s take ~3 s: the first text came while the rest was pending.
        assert process.poll() is None, "the text appeared only once the generation had ended"
        rest = process.stdout.read()
        assert process.wait(timeout=30) == 0
        assert (first + rest).endswith(b"\n")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_queue_position_is_shown_while_waiting(cli_binary, server_factory, protos):
    server = server_factory("--emulator-args", SLOW)
    pb2 = protos.pb2
    started = threading.Event()
    outcome: list = []

    def occupy():
        with grpc.insecure_channel(server.grpc_addr) as channel:
            stub = protos.pb2_grpc.InferenceStub(channel)
            call = stub.Generate(pb2.GenerateRequest(prompt="Keep the runtime busy.",
                                                     options=pb2.SamplingOptions(max_tokens=50)), timeout=30)
            for event in call:
                if event.WhichOneof("event") == "delta":
                    started.set()
                outcome.append(event)

    worker = threading.Thread(target=occupy, daemon=True)
    worker.start()
    assert started.wait(15), "the occupying generation never produced text"
    result = Cli(cli_binary, server.grpc_addr).run("generate", "Wait your turn.", "--max-tokens", "3")
    worker.join(30)
    assert result.returncode == 0, describe(result)
    assert "waiting in queue: position 1 of 1" in text(result.stderr), describe(result)
    assert text(result.stdout).strip(), describe(result)


# --------------------------------------------------------------------------------------------
# chat


def test_chat_reuses_the_context_on_the_second_turn(cli):
    result = cli.run("--verbose", "chat", stdin="Hello there!\nAnd what comes next?\n")
    assert result.returncode == 0, describe(result)
    err = text(result.stderr)
    assert "turn 1: new context" in err, describe(result)
    assert "turn 2: context reused" in err, describe(result)
    replies = text(result.stdout).splitlines()
    assert len(replies) == 2 and all(replies), describe(result)


def test_chat_json_reports_context_reuse_per_turn(cli):
    result = cli.run("--json", "chat", stdin="First question?\nSecond question?\n")
    assert result.returncode == 0, describe(result)
    done = [event for event in json_lines(result) if event["type"] == "done"]
    assert [event["turn"] for event in done] == [1, 2], done
    assert done[0]["context_reused"] is False, done
    assert done[1]["context_reused"] is True, done


def test_chat_ends_on_exit_and_skips_blank_lines(cli):
    result = cli.run("--json", "chat", stdin="\n   \nOnly this one.\n/exit\nNever sent.\n")
    assert result.returncode == 0, describe(result)
    done = [event for event in json_lines(result) if event["type"] == "done"]
    assert len(done) == 1, describe(result)


# --------------------------------------------------------------------------------------------
# health and models


def test_health_json_has_the_runtime_state(cli):
    result = cli.run("--json", "health")
    assert result.returncode == 0, describe(result)
    [health] = json_lines(result)
    assert health["runtime_state"] in RUNTIME_STATES, health
    assert health["status"] == "SERVING", health
    assert health["model"] == "qwen3:4b", health
    assert health["emulated"] is True, health
    assert health["version"], health


def test_health_text_names_status_and_runtime(cli):
    result = cli.run("health")
    assert result.returncode == 0, describe(result)
    out = text(result.stdout)
    assert "SERVING" in out and "qwen3:4b" in out, out


def test_health_watch_prints_at_once_and_stops_on_ctrl_c(cli):
    process = cli.start("--json", "health", "--watch")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert json.loads(line)["runtime_state"] in RUNTIME_STATES, line
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 130
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_models_lists_qwen3(cli):
    result = cli.run("models")
    assert result.returncode == 0, describe(result)
    assert "qwen3:4b" in text(result.stdout), describe(result)
    as_json = cli.run("--json", "models")
    assert as_json.returncode == 0, describe(as_json)
    models = {model["name"]: model for model in json_lines(as_json)}
    assert models["qwen3:4b"]["is_default"] is True, models


# --------------------------------------------------------------------------------------------
# Failures


def test_closed_port_is_unavailable(cli_binary):
    port = closed_port()
    result = Cli(cli_binary, f"127.0.0.1:{port}").run("health", timeout=30)
    assert result.returncode == UNAVAILABLE_EXIT, describe(result)
    assert f"error: UNAVAILABLE: cannot connect to 127.0.0.1:{port}" in text(result.stderr), describe(result)


def test_generate_without_a_runtime_is_unavailable_with_the_servers_message(cli_binary, server_factory, protos):
    server = server_factory("--no-runtime")
    with grpc.insecure_channel(server.grpc_addr) as channel:
        stub = protos.pb2_grpc.InferenceStub(channel)
        with pytest.raises(grpc.RpcError) as info:
            list(stub.Generate(protos.pb2.GenerateRequest(prompt="hi"), timeout=10))
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    result = Cli(cli_binary, server.grpc_addr).run("generate", "hi")
    assert result.returncode == UNAVAILABLE_EXIT, describe(result)
    assert f"error: UNAVAILABLE: {info.value.details()}" in text(result.stderr), describe(result)


def test_timeout_is_deadline_exceeded(cli_binary, server_factory, protos):
    server = server_factory("--emulator-args", SLOW)
    result = Cli(cli_binary, server.grpc_addr).run("--timeout", "0.3", "generate", "A long story.",
                                                   "--max-tokens", "200")
    assert result.returncode == 4, describe(result)
    assert "error: DEADLINE_EXCEEDED" in text(result.stderr), describe(result)
    wait_until_idle(protos, server.grpc_addr)


def test_json_failure_is_also_a_json_line(cli_binary):
    result = Cli(cli_binary, f"127.0.0.1:{closed_port()}").run("--json", "models", timeout=30)
    assert result.returncode == UNAVAILABLE_EXIT, describe(result)
    [error] = json_lines(result)
    assert error["type"] == "error" and error["code"] == "UNAVAILABLE" and error["status"] == 14, error


def test_malformed_address_is_a_usage_error(cli_binary):
    result = Cli(cli_binary, "no-port-here:").run("health", timeout=30)
    assert result.returncode == USAGE_EXIT, describe(result)
    assert "--addr" in text(result.stderr), describe(result)


def test_ctrl_c_resets_the_stream_with_cancel(cli_binary, server_factory, protos):
    server = server_factory("--log-level", "debug", "--emulator-args", SLOW)
    process = Cli(cli_binary, server.grpc_addr).start("generate", "A long story.", "--max-tokens", "200")
    try:
        assert process.stdout is not None
        assert process.stdout.read1(4096), "no text before the interrupt"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 130
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # RST_STREAM(CANCEL) is HTTP/2 error 8 on the stream; a dropped connection would not log it.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        cancelled = [line for line in server.stderr_lines
                     if "stream closed by the client" in line and "http2_error=8" in line]
        if cancelled:
            break
        time.sleep(0.05)
    assert cancelled, server.describe()
    wait_until_idle(protos, server.grpc_addr)
