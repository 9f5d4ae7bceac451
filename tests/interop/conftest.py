"""Fixtures of the interop tests: the real `axrpc-server` binary on free ports, and Python stubs
generated from `proto/` at test time (never committed).

Environment:
  AXRPC_SERVER         path of the server binary (default `.build/debug/axrpc-server`)
  AXLLM_EMULATOR       path of the runtime emulator (default `.build/debug/axllm-emulator`)
  AXRPC_SERVER_ARGS    extra arguments for the default (shared) server, shell-quoted
  AXRPC_START_TIMEOUT  seconds to wait for the `listening grpc=` line (default 60)
  AXRPC_CLI            path of the `axrpc` command-line client (default `.build/debug/axrpc`)

The HTTP gateway (`--http-port`, default 11434) is turned off (`--http-port 0`) unless a test
asks for it, so that servers never compete for Ollama's port; `gateway_factory` starts servers
with it on a free port and exposes `http_url`.
"""

from __future__ import annotations

import importlib
import os
import re
import shlex
import signal
import subprocess
import sys
import functools
import socket
import threading
import time
import types
from pathlib import Path

import grpc
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LISTENING_RE = re.compile(r"axrpc-server listening grpc=(?P<host>[^\s:]+|\[[^\]]+\]):(?P<port>\d+)")
# The same line names the HTTP gateway's address when it runs: `... grpc=H:P http=H:P`.
HTTP_LISTENING_RE = re.compile(r"\shttp=(?P<host>[^\s:]+|\[[^\]]+\]):(?P<port>\d+)")
START_TIMEOUT = float(os.environ.get("AXRPC_START_TIMEOUT", "60"))
# SIGTERM -> exit: the server's grace period (default 5 s) plus slack for a debug build.
STOP_TIMEOUT = 10.0


def _resolve(env: str, default: str) -> Path:
    value = os.environ.get(env)
    path = Path(value) if value else Path(default)
    return path if path.is_absolute() else REPO_ROOT / path


# --------------------------------------------------------------------------------------------
# Paths


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def server_binary() -> Path:
    path = _resolve("AXRPC_SERVER", ".build/debug/axrpc-server")
    if not path.exists():
        pytest.fail(f"server binary {path} does not exist: build it (`swift build`) or set AXRPC_SERVER")
    return path


@pytest.fixture(scope="session")
def emulator_binary() -> Path:
    """The runtime emulator; tests that need it skip when it was not built."""
    path = _resolve("AXLLM_EMULATOR", ".build/debug/axllm-emulator")
    if not path.exists():
        pytest.skip(f"emulator binary {path} does not exist (set AXLLM_EMULATOR)")
    return path


# --------------------------------------------------------------------------------------------
# Stubs generated at test time


def _protoc(args: list[str]) -> None:
    from grpc_tools import protoc

    well_known = str(Path(protoc.__file__).resolve().parent / "_proto")
    status = protoc.main(["grpc_tools.protoc", f"-I{well_known}", *args])
    if status != 0:
        raise RuntimeError(f"grpc_tools.protoc {' '.join(args)} failed with {status}")


@pytest.fixture(scope="session")
def protos(tmp_path_factory) -> types.SimpleNamespace:
    """grpcio stubs of `axrpc.v1` (`pb2`, `pb2_grpc`) and of `grpc.reflection.v1`
    (`reflection_v1_pb2`, `reflection_v1_pb2_grpc`), generated into a temporary directory.

    grpcio-reflection ships only v1alpha stubs, so v1 is generated from `proto/`. Its proto is
    copied under a unique file name so that neither the module name nor the descriptor-pool file
    name can collide with the installed `grpc` package or with v1alpha.
    """
    out = tmp_path_factory.mktemp("generated")
    proto_dir = REPO_ROOT / "proto"
    _protoc([f"-I{proto_dir}", f"--python_out={out}", f"--grpc_python_out={out}",
             "axrpc/v1/inference.proto"])

    reflection_src = tmp_path_factory.mktemp("reflection_v1_src")
    (reflection_src / "axrpc_interop_reflection_v1.proto").write_bytes(
        (proto_dir / "grpc/reflection/v1/reflection.proto").read_bytes())
    _protoc([f"-I{reflection_src}", f"--python_out={out}", f"--grpc_python_out={out}",
             "axrpc_interop_reflection_v1.proto"])

    sys.path.insert(0, str(out))
    importlib.invalidate_caches()
    return types.SimpleNamespace(
        pb2=importlib.import_module("axrpc.v1.inference_pb2"),
        pb2_grpc=importlib.import_module("axrpc.v1.inference_pb2_grpc"),
        reflection_v1_pb2=importlib.import_module("axrpc_interop_reflection_v1_pb2"),
        reflection_v1_pb2_grpc=importlib.import_module("axrpc_interop_reflection_v1_pb2_grpc"),
        out_dir=out,
    )


# --------------------------------------------------------------------------------------------
# The server process


class ServerProcess:
    """One `axrpc-server` process. Its stderr and stdout are drained by threads into
    `stderr_lines` / `stdout_lines` so it never blocks on a full pipe and failures can quote it."""

    def __init__(self, binary: Path, args: list[str]):
        self.argv = [str(binary), "--host", "127.0.0.1", "--grpc-port", "0", *args]
        if "--http-port" not in args and _supports_http_port(str(binary)):
            # Off unless asked for: Ollama's default port must not be fought over by test servers.
            self.argv[5:5] = ["--http-port", "0"]
        self.http_host: str | None = None
        self.http_port: int | None = None
        self.emulator_port: int | None = None
        self.stderr_lines: list[str] = []
        self.stdout_lines: list[str] = []
        self.grpc_host: str | None = None
        self.grpc_port: int | None = None
        self._listening = threading.Event()
        self._stderr_closed = threading.Event()
        self.proc: subprocess.Popen | None = None
        self._stopped = False

    # -- lifecycle

    def start(self, timeout: float = START_TIMEOUT) -> "ServerProcess":
        self.proc = subprocess.Popen(self.argv, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        threading.Thread(target=self._drain_stdout, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not self._listening.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                pytest.fail(f"no `listening grpc=` line within {timeout:.0f} s\n{self.describe()}")
            # Wakes on the line (event) or when stderr closes (the process died).
            if self._stderr_closed.is_set():
                self.proc.wait(timeout=5)
                pytest.fail(f"server exited with {self.proc.returncode} before listening\n{self.describe()}")
            self._listening.wait(min(remaining, 0.5))
        return self

    def _drain_stderr(self) -> None:
        assert self.proc and self.proc.stderr
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stderr_lines.append(line)
            if not self._listening.is_set():
                match = LISTENING_RE.search(line)
                if match:
                    self.grpc_host = match.group("host").strip("[]")
                    self.grpc_port = int(match.group("port"))
                    http = HTTP_LISTENING_RE.search(line)
                    if http:
                        self.http_host = http.group("host").strip("[]")
                        self.http_port = int(http.group("port"))
                    self._listening.set()
        self._stderr_closed.set()

    def _drain_stdout(self) -> None:
        assert self.proc and self.proc.stdout
        for raw in self.proc.stdout:
            self.stdout_lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def signal(self, signum: int) -> None:
        assert self.proc
        self.proc.send_signal(signum)

    def wait(self, timeout: float) -> int | None:
        assert self.proc
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM and assert a clean exit (0) within `timeout` seconds."""
        if self._stopped or self.proc is None:
            return
        self._stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.wait(timeout)
        if code is None:
            self.kill()
            pytest.fail(f"server did not exit within {timeout:.0f} s of SIGTERM\n{self.describe()}")
        assert code == 0, f"server exited with {code} after SIGTERM\n{self.describe()}"

    def kill(self) -> None:
        self._stopped = True
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    # -- facts

    @property
    def grpc_addr(self) -> str:
        return f"{self.grpc_host}:{self.grpc_port}"

    @property
    def http_url(self) -> str:
        """The HTTP gateway's base URL, e.g. `http://127.0.0.1:11434` (needs `--http-port`)."""
        assert self.http_port, f"this server runs no HTTP gateway (start it with gateway_factory)\n{self.describe()}"
        return f"http://{self.http_host}:{self.http_port}"

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def describe(self, tail: int = 60) -> str:
        lines = self.stderr_lines[-tail:]
        return (f"argv: {shlex.join(self.argv)}\n--- last {len(lines)} stderr lines ---\n"
                + "\n".join(lines))


@pytest.fixture
def server_factory(server_binary):
    """Starts servers with extra arguments: `server_factory("--shutdown-grace-seconds", "2")`
    (after AXRPC_SERVER_ARGS). Each one is stopped with SIGTERM on teardown, which must end it
    with status 0."""
    started: list[ServerProcess] = []

    def start(*args: str) -> ServerProcess:
        server = ServerProcess(server_binary, [*default_server_args(), *args])
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def default_server_args() -> list[str]:
    # The tests count what the runtime received; idle-time preparation (a background reset after
    # a Generate) is switched on only where a test asks for it (`--idle-reset true`, later wins).
    return ["--idle-reset", "false", *shlex.split(os.environ.get("AXRPC_SERVER_ARGS", ""))]


@functools.lru_cache(maxsize=None)
def _supports_http_port(binary: str) -> bool:
    """Whether this server build has the HTTP gateway (`--http-port` in its help)."""
    try:
        result = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--http-port" in result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# A fast emulator for the HTTP gateway's tests: short prefill, 200 tokens/s.
GATEWAY_EMULATOR_ARGS = "--tokens-per-second 200 --ttft-ms 5 --prefill-ms-per-chunk 5"


def _gateway_process(binary: Path, server_args, emulator_args: str) -> ServerProcess:
    """A server with the HTTP gateway on a free port and its built-in emulator on another free
    port (`emulator_port`, for `GET /__emulator/state`)."""
    emulator_port = _free_port()
    server = ServerProcess(binary, [*default_server_args(), "--http-port", str(_free_port()),
                                    "--emulator-args", f"--port {emulator_port} {emulator_args}".strip(),
                                    *server_args])
    server.emulator_port = emulator_port
    return server


@pytest.fixture
def gateway_factory(server_binary):
    """Starts servers with the HTTP gateway: `gateway_factory("--queue-capacity", "1",
    emulator_args="--tokens-per-second 5")` (server flags, then the emulator's flags, default
    GATEWAY_EMULATOR_ARGS). The server exposes `http_url` and `emulator_port`; each one is
    stopped with SIGTERM on teardown, which must end it with status 0."""
    started: list[ServerProcess] = []

    def start(*server_args: str, emulator_args: str = GATEWAY_EMULATOR_ARGS) -> ServerProcess:
        server = _gateway_process(server_binary, server_args, emulator_args)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def gateway(server_binary):
    """One server with the HTTP gateway and the fast emulator per test module (see gateway_factory)."""
    server = _gateway_process(server_binary, [], GATEWAY_EMULATOR_ARGS).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server(server_binary):
    """The shared server of the read-only tests (session-wide, stopped and checked at the end)."""
    process = ServerProcess(server_binary, default_server_args()).start()
    yield process
    process.stop()


@pytest.fixture
def channel(server):
    """A fresh grpcio channel (one HTTP/2 connection) to the shared server."""
    with grpc.insecure_channel(server.grpc_addr) as ch:
        yield ch


@pytest.fixture
def inference(protos, channel):
    return protos.pb2_grpc.InferenceStub(channel)


# --------------------------------------------------------------------------------------------
# The runtime bridge against the built-in emulator

# A fast emulator: replies of a fixed 40 body tokens at 200 tokens/s, short prefill.
FAST_EMULATOR_ARGS = "--tokens-per-second 200 --ttft-ms 5 --prefill-ms-per-chunk 5 --reply-tokens 40"


class BridgeServer:
    """An `axrpc-server` whose built-in emulator listens on a port the test knows
    (`emulator_port`), with a channel and an `axrpc.v1.Inference` stub to it."""

    def __init__(self, server: ServerProcess, emulator_port: int, channel: grpc.Channel, protos):
        self.server = server
        self.emulator_port = emulator_port
        self.channel = channel
        self.pb2 = protos.pb2
        self.stub = protos.pb2_grpc.InferenceStub(channel)

    def state(self) -> dict:
        """The emulator's `/__emulator/state`."""
        from interop_helpers import emulator_state

        return emulator_state(self.emulator_port)

    def reset_state(self) -> None:
        from interop_helpers import emulator_reset_state

        emulator_reset_state(self.emulator_port)

    def health(self):
        return self.stub.Health(self.pb2.HealthRequest(), timeout=10)

    def wait_runtime_state(self, *states: int, timeout: float = 30.0, predicate=None):
        """Polls Health (bounded) until runtime_state is one of `states` and `predicate(health)`
        holds; returns that HealthResponse."""
        from interop_helpers import poll_until

        seen: list = []

        def probe():
            health = self.health()
            if not seen or seen[-1] != health:
                seen.append(health)
            if health.runtime_state in states and (predicate is None or predicate(health)):
                return health
            return None

        names = [self.pb2.RuntimeState.Name(s) for s in states]

        def what() -> str:
            history = "; ".join(str(h).replace("\n", " ") for h in seen[-8:])
            return f"runtime state {names}; Health answers seen (last 8): {history}\n{self.server.describe(20)}"

        return poll_until(probe, timeout, what, interval=0.02)

    def generate(self, prompt: str, timeout: float = 30.0, **request):
        from interop_helpers import consume_stream

        started = time.monotonic()
        call = self.stub.Generate(self.pb2.GenerateRequest(prompt=prompt, **request), timeout=timeout)
        return consume_stream(call, started)

    def chat(self, messages, timeout: float = 30.0, **request):
        from interop_helpers import consume_stream

        started = time.monotonic()
        call = self.stub.Chat(self.pb2.ChatRequest(messages=messages, **request), timeout=timeout)
        return consume_stream(call, started)

    def describe(self) -> str:
        try:
            state = self.state()
            state_text = {k: v for k, v in state.items() if k not in ("calls", "generated_text")}
        except Exception as error:  # noqa: BLE001 - diagnostics only
            state_text = f"<emulator state unavailable: {error}>"
        return f"{self.server.describe()}\n--- emulator state ---\n{state_text}"


@pytest.fixture
def bridge_factory(server_factory, protos):
    """Starts `axrpc-server` with its built-in emulator on a free port of the test's choosing:
    `bridge_factory("--crash-after-tokens 30", "--restart-backoff-ms", "100")`. The first argument
    is appended to FAST_EMULATOR_ARGS (later flags win); the rest are server flags. Unless
    `ready=False`, waits (bounded) until Health reports the runtime READY."""
    from interop_helpers import free_port

    channels: list[grpc.Channel] = []
    bridges: list[BridgeServer] = []

    def start(emulator_args: str = "", *server_args: str, ready: bool = True,
              fast: bool = True) -> BridgeServer:
        port = free_port()
        flags = f"--port {port} {FAST_EMULATOR_ARGS if fast else ''} {emulator_args}".strip()
        server = server_factory("--emulator-args", flags, *server_args)
        channel = grpc.insecure_channel(server.grpc_addr)
        channels.append(channel)
        bridge = BridgeServer(server, port, channel, protos)
        bridges.append(bridge)
        if ready:
            bridge.wait_runtime_state(protos.pb2.RUNTIME_STATE_READY, timeout=30)
        return bridge

    yield start
    for channel in channels:
        channel.close()
    # Stopped here (server_factory's own stop is then a no-op) so that a crash report on stderr
    # is quoted from its start, not only its last 60 lines.
    for bridge in bridges:
        try:
            bridge.server.stop()
        except (AssertionError, pytest.fail.Exception) as failure:
            pytest.fail(f"{failure}\n--- crash report lines ---\n{crash_summary(bridge.server.stderr_lines)}")


def crash_summary(lines: list[str], limit: int = 45) -> str:
    """The head of a Swift crash report on stderr (fatal error, crashed thread and its frames)."""
    markers = ("💣", "Program crashed", "Fatal error", "fatal error", "Crashed", "Precondition failed",
               "Assertion failed")
    start = next((i for i, line in enumerate(lines) if any(m in line for m in markers)), None)
    if start is None:
        return "(no crash report on stderr)"
    return "\n".join(lines[max(0, start - 30):start + limit])


# --------------------------------------------------------------------------------------------
# The `axrpc` command-line client


@pytest.fixture(scope="session")
def cli_binary() -> Path:
    """The `axrpc` client binary (AXRPC_CLI, default `.build/debug/axrpc`)."""
    path = _resolve("AXRPC_CLI", ".build/debug/axrpc")
    if not path.exists():
        pytest.fail(f"client binary {path} does not exist: build it (`swift build`) or set AXRPC_CLI")
    return path
