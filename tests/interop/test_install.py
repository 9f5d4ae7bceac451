"""`make install` into a temporary prefix: the release layout (binaries, systemd unit, default
config, docs), `systemd-analyze verify` on the installed unit, the unit's own command line
serving the emulator when run by hand (no systemd in a container), and `make uninstall`.

The install uses the debug build (`CONFIG=debug`) that `make test` has already made, so the test
does not compile everything a second time; the layout and the unit are the same."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

import grpc
import httpx
import pytest

from conftest import REPO_ROOT, ServerProcess
from interop_helpers import free_port, poll_until


def make(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(["make", "--no-print-directory", *args], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=timeout, env=env)
    assert result.returncode == 0, f"make {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def exec_start(unit_text: str) -> list[str]:
    lines = [line for line in unit_text.splitlines() if line.startswith("ExecStart=")]
    assert len(lines) == 1, lines
    return shlex.split(lines[0].removeprefix("ExecStart="))


@pytest.fixture
def installed(tmp_path):
    prefix = tmp_path / "prefix"
    make("install", f"PREFIX={prefix}", "CONFIG=debug")
    yield prefix
    make("uninstall", f"PREFIX={prefix}", "CONFIG=debug")
    leftovers = [p for p in prefix.rglob("*") if p.is_file()]
    assert leftovers == [], f"make uninstall left {leftovers}"


def test_install_layout_and_unit(installed):
    for name in ("axrpc-server", "axrpc", "axllm-emulator"):
        binary = installed / "bin" / name
        assert binary.is_file() and os.access(binary, os.X_OK), binary
    assert (installed / "etc/axrpc/axrpc.conf").read_text() == (REPO_ROOT / "deploy/axrpc.conf").read_text()
    assert (installed / "share/doc/axrpc/LICENSE").is_file()
    unit = installed / "lib/systemd/system/axrpc.service"
    argv = exec_start(unit.read_text())
    assert argv[0] == str(installed / "bin/axrpc-server"), argv
    assert argv[argv.index("--config") + 1] == str(installed / "etc/axrpc/axrpc.conf"), argv
    assert "/usr/local" not in unit.read_text().replace("# `make install PREFIX=/usr/local`", "")


def test_installed_unit_passes_systemd_analyze_verify(installed):
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd; `make test` installs it)")
    unit = installed / "lib/systemd/system/axrpc.service"
    result = subprocess.run([tool, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == "", f"systemd-analyze verify warned:\n{result.stderr}"


def test_the_units_command_line_serves_the_emulator(installed, protos):
    argv = exec_start((installed / "lib/systemd/system/axrpc.service").read_text())
    server = ServerProcess(installed / "bin/axrpc-server", [])
    server.argv = argv
    http_port = free_port()
    # The installed config's ports are fixed; the environment wins over the file.
    saved = dict(os.environ)
    os.environ.update(AXRPC_GRPC_PORT="0", AXRPC_HTTP_PORT=str(http_port))
    try:
        server.start()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        assert server.http_port == http_port, server.describe()
        poll_until(lambda: httpx.get(f"{server.http_url}/readyz", timeout=5).status_code == 200, 30, "/readyz 200")
        with grpc.insecure_channel(server.grpc_addr) as channel:
            stub = protos.pb2_grpc.InferenceStub(channel)
            assert stub.Health(protos.pb2.HealthRequest(), timeout=10).emulated
            text = "".join(e.delta for e in stub.Generate(protos.pb2.GenerateRequest(prompt="Hi"), timeout=60)
                           if e.WhichOneof("event") == "delta")
        assert text
        server.stop()
    finally:
        server.kill()
