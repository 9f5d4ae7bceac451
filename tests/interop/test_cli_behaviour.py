"""What people rely on from the `axrpc` command beyond one call: `--version`, prompts from stdin,
`health` failing unless SERVING, `health --watch` surviving a server restart, Ctrl-C in `chat`
cancelling only the reply, and tool calls in `chat --tools`."""

from __future__ import annotations

import json
import signal
import subprocess
import threading

import grpc
import pytest

from interop_helpers import free_port
from test_cli import FAST, Cli, describe, grpc_generate_text, json_lines, text

NOT_SERVING_EXIT = 1


@pytest.fixture(scope="module")
def fast_server(server_binary):
    from conftest import ServerProcess, default_server_args
    server = ServerProcess(server_binary, [*default_server_args(), "--emulator-args", FAST]).start()
    yield server
    server.stop()


@pytest.fixture
def cli(cli_binary, fast_server) -> Cli:
    return Cli(cli_binary, fast_server.grpc_addr)


class Lines:
    """Collects a process's output lines in a thread, so that a test can wait for one."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for raw in stream:
            with self.changed:
                self.lines.append(raw.decode("utf-8", "replace"))
                self.changed.notify_all()

    def wait_for(self, predicate, timeout: float, what: str) -> str:
        with self.changed:
            ok = self.changed.wait_for(lambda: any(predicate(line) for line in self.lines), timeout)
            assert ok, f"no line {what} in {self.lines!r}"
            return next(line for line in self.lines if predicate(line))


def test_version(cli):
    result = cli.run("--version")
    assert result.returncode == 0 and text(result.stdout).strip() == "0.1.0", describe(result)


@pytest.mark.parametrize("args", [("generate", "-"), ("generate",)])
def test_generate_reads_the_prompt_from_stdin(cli, fast_server, protos, args):
    prompt = "A prompt\nover two lines"
    expected = grpc_generate_text(protos, fast_server.grpc_addr, prompt, max_tokens=12, temperature=0)
    result = cli.run(*args, "--max-tokens", "12", "--temperature", "0", stdin=prompt + "\n")
    assert result.returncode == 0, describe(result)
    assert text(result.stdout) == expected + "\n"


def test_health_fails_unless_serving(cli_binary, bridge_factory):
    bridge = bridge_factory("--fail-load", "--restart-backoff-ms", "50", ready=False)
    bridge.wait_runtime_state(bridge.pb2.RUNTIME_STATE_FAILED, timeout=30)
    result = Cli(cli_binary, bridge.server.grpc_addr).run("health")
    assert result.returncode == NOT_SERVING_EXIT, describe(result)
    assert "FAILED" in text(result.stdout)
    result = Cli(cli_binary, bridge.server.grpc_addr).run("--json", "health")
    assert result.returncode == NOT_SERVING_EXIT and json_lines(result)[0]["status"] == "NOT_SERVING"


def test_health_watch_reconnects_after_a_restart(cli_binary, server_factory):
    port = free_port()
    first = server_factory("--grpc-port", str(port), "--emulator-args", FAST)
    watch = subprocess.Popen([str(cli_binary), "--addr", f"127.0.0.1:{port}", "--json", "health", "--watch"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = Lines(watch.stdout), Lines(watch.stderr)
        out.wait_for(lambda line: json.loads(line)["status"] == "SERVING", 30, "SERVING")
        first.stop()
        err.wait_for(lambda line: "retrying in" in line, 30, "about retrying")
        assert watch.poll() is None, "the watch ended when the server went away"
        seen = len(out.lines)
        server_factory("--grpc-port", str(port), "--emulator-args", FAST)
        with out.changed:
            assert out.changed.wait_for(lambda: len(out.lines) > seen, 30), err.lines
        watch.send_signal(signal.SIGINT)
        assert watch.wait(timeout=10) == 130
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()


def test_ctrl_c_in_chat_cancels_only_the_reply(cli_binary, bridge_factory):
    bridge = bridge_factory("--tokens-per-second 5 --reply-tokens 200")
    chat = subprocess.Popen([str(cli_binary), "--addr", bridge.server.grpc_addr, "chat", "-v"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        err = Lines(chat.stderr)
        chat.stdin.write(b"tell me a long story\n")
        chat.stdin.flush()
        # The reply is streaming: the emulator's generation has started.
        bridge.wait_runtime_state(bridge.pb2.RUNTIME_STATE_BUSY, timeout=10)
        chat.send_signal(signal.SIGINT)
        err.wait_for(lambda line: "reply cancelled" in line, 10, "saying the reply was cancelled")
        assert chat.poll() is None, "Ctrl-C ended the whole chat"
        bridge.wait_runtime_state(bridge.pb2.RUNTIME_STATE_READY, timeout=10)
        chat.stdin.close()   # Ctrl-D
        assert chat.wait(timeout=10) == 0
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.wait()


def test_chat_with_tools_shows_the_call_and_sends_the_result(cli, tmp_path):
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([{"type": "function", "function": {
        "name": "get_time", "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}}}}]))
    result = cli.run("--json", "chat", "--tools", str(tools), stdin="what time is it?\n12:00 UTC\n")
    assert result.returncode == 0, describe(result)
    events = json_lines(result)
    calls = [e for e in events if e["type"] == "tool_call"]
    assert [(c["name"], json.loads(c["arguments"])) for c in calls] == [("get_time", {"tz": "example"})]
    done = [e for e in events if e["type"] == "done"]
    assert [d["finish_reason"] for d in done] == ["TOOL_CALLS", "STOP"]
    assert done[1]["context_reused"] is True


def test_generate_rejects_tools(cli, tmp_path):
    result = cli.run("generate", "hi", "--tools", str(tmp_path / "none.json"))
    assert result.returncode == 64 and "chat --tools" in text(result.stderr), describe(result)


def test_waiting_for_a_loading_runtime_is_shown_as_plain_lines_when_piped(cli_binary, bridge_factory):
    bridge = bridge_factory("--load-seconds 3", ready=False)
    result = Cli(cli_binary, bridge.server.grpc_addr).run("generate", "hi", "--max-tokens", "3")
    assert result.returncode == 0, describe(result)
    err = text(result.stderr)
    assert err.count("waiting for the runtime: STARTING, loading the model\n") == 1, err
    assert "\x1b[K" not in err and text(result.stdout).strip()


def test_waiting_status_is_a_live_line_on_a_terminal(cli_binary, bridge_factory):
    import os
    import pty
    bridge = bridge_factory("--load-seconds 3", ready=False)
    controller, terminal = pty.openpty()
    process = subprocess.Popen([str(cli_binary), "--addr", bridge.server.grpc_addr, "generate", "hi",
                                "--max-tokens", "3"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=terminal)
    os.close(terminal)
    seen = b""
    try:
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:   # the process closed its end
                break
            if not chunk:
                break
            seen += chunk
        assert process.wait(timeout=30) == 0
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
            process.wait()
    shown = seen.decode("utf-8", "replace")
    assert "\r\x1b[Kwaiting for the runtime: STARTING, loading the model (1 s)" in shown, repr(shown)
    assert shown.endswith("\r\x1b[K"), repr(shown)   # erased once the text starts
