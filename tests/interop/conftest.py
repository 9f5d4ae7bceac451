"""Fixtures of the interop tests: the real `axrpc-server` binary on free ports, and Python stubs
generated from `proto/` at test time (never committed).

Environment:
  AXRPC_SERVER         path of the server binary (default `.build/debug/axrpc-server`)
  AXLLM_EMULATOR       path of the runtime emulator (default `.build/debug/axllm-emulator`)
  AXRPC_SERVER_ARGS    extra arguments for the default (shared) server, shell-quoted
  AXRPC_START_TIMEOUT  seconds to wait for the `listening grpc=` line (default 60)
"""

from __future__ import annotations

import importlib
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import grpc
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LISTENING_RE = re.compile(r"axrpc-server listening grpc=(?P<host>[^\s:]+|\[[^\]]+\]):(?P<port>\d+)")
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
    return shlex.split(os.environ.get("AXRPC_SERVER_ARGS", ""))


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
