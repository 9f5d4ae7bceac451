"""Scale-out: three axrpc servers (emulator) behind a real HAProxy 2.6 running the shipped
`deploy/haproxy/axrpc.cfg` (addresses, ports and paths rewritten for this machine):

* 30 concurrent Generate calls spread over all three, one at a time per NPU, none waiting in a
  server's own queue (HAProxy's central queue hands each call to the first NPU that frees);
* a server killed mid-load fails only the call that was on it; new calls avoid it; it rejoins
  after a restart; nothing hangs;
* streaming works end to end (deltas arrive while the generation runs, not at its end)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest

from conftest import REPO_ROOT, ServerProcess, _gateway_process
from gateway_helpers import wait_ready
from interop_helpers import consume_stream, free_port, poll_until

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
# 20 body tokens at 40 tokens/s: about half a second per generation.
EMULATOR = "--tokens-per-second 40 --reply-tokens 20 --ttft-ms 20 --prefill-ms-per-chunk 5"

pytestmark = pytest.mark.skipif(not Path(HAPROXY).exists(),
                                reason="haproxy is not installed (Debian package haproxy; `make test` installs it)")


class Proxy:
    """One haproxy process with the shipped configuration, its stats socket and log lines."""

    def __init__(self, tmp: Path, servers: list[ServerProcess], queue_timeout: str | None = None):
        self.port = free_port()
        self.stats = tmp / "haproxy.sock"
        text = (REPO_ROOT / "deploy/haproxy/axrpc.cfg").read_text()
        text = text.replace("/etc/haproxy/errors/axrpc/", f"{REPO_ROOT}/deploy/haproxy/errors/")
        text = text.replace("/run/haproxy/axrpc.sock", str(self.stats))
        text = text.replace("bind :50051", f"bind 127.0.0.1:{self.port}")
        if queue_timeout:
            assert "timeout queue 60s" in text
            text = text.replace("timeout queue 60s", f"timeout queue {queue_timeout}")
        for index, server in enumerate(servers, start=1):
            text = re.sub(rf"server npu{index} npu-{index}:50051",
                          f"server npu{index} 127.0.0.1:{server.grpc_port} port {server.http_port}", text)
        # The shipped default-server names the HTTP port 11434; each test server has its own.
        text = text.replace(" port 11434", "")
        self.config = tmp / "haproxy.cfg"
        self.config.write_text(text)
        self.lines: list[str] = []
        self.proc = subprocess.Popen([HAPROXY, "-db", "-f", str(self.config)], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for raw in self.proc.stdout:
            self.lines.append(raw.decode("utf-8", "replace").rstrip())

    def states(self) -> dict[tuple[str, str], str]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(self.stats))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        rows = csv.reader(io.StringIO(data.decode().lstrip("# ")))
        header = next(rows)
        status = header.index("status")
        return {(row[0], row[1]): row[status] for row in rows if len(row) > status}

    def wait_states(self, expected: dict[str, str], timeout: float = 20.0) -> None:
        """Until every generation-backend server named in `expected` has that state (UP/DOWN)."""
        def matches():
            states = self.states()
            return all(states.get(("npu_generation", name), "").startswith(state) for name, state in expected.items())

        poll_until(matches, timeout, lambda: f"haproxy states {expected}; have {self.states()}\n" + self.describe(),
                   interval=0.05)

    def describe(self) -> str:
        return "--- haproxy ---\n" + "\n".join(self.lines[-30:])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def cluster(server_binary, tmp_path, request):
    queue_timeout = getattr(request, "param", None)
    servers = [_gateway_process(server_binary, [], EMULATOR).start() for _ in range(3)]
    for server in servers:
        wait_ready(server)
    proxy = Proxy(tmp_path, servers, queue_timeout)
    try:
        poll_until(lambda: proxy.stats.exists(), 10, "haproxy's stats socket")
        proxy.wait_states({"npu1": "UP", "npu2": "UP", "npu3": "UP"})
        yield proxy, servers
    finally:
        proxy.stop()
        for server in servers:
            server.kill() if server.returncode is not None else server.stop()


def generations_per_server(servers) -> list[int]:
    from interop_helpers import emulator_state

    return [len(emulator_state(s.emulator_port)["generations"]) for s in servers]


def run_calls(protos, address: str, count: int, prompt: str = "Tell me about NPUs.", timeout: float = 60.0):
    with grpc.insecure_channel(address) as channel:
        stub = protos.pb2_grpc.InferenceStub(channel)

        def one(index: int):
            started = time.monotonic()
            call = stub.Generate(protos.pb2.GenerateRequest(prompt=f"{prompt} #{index}"), timeout=timeout)
            return consume_stream(call, started)

        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(one, range(count)))


def test_calls_spread_over_all_npus_and_never_queue_behind_a_busy_one(cluster, protos):
    proxy, servers = cluster
    before = generations_per_server(servers)
    started = time.monotonic()
    outcomes = run_calls(protos, f"127.0.0.1:{proxy.port}", 30)
    wall = time.monotonic() - started
    failed = [o.describe() for o in outcomes if o.code != grpc.StatusCode.OK]
    assert not failed, "\n".join(failed) + proxy.describe()
    per_server = [after - b for after, b in zip(generations_per_server(servers), before)]
    assert sum(per_server) == 30 and all(n >= 5 for n in per_server), per_server
    # One call in flight per NPU: no call waited in a server's queue behind another call. (A call
    # may see position 1 for the moment the previous call on that NPU takes to settle after its
    # response ended, which is when HAProxy hands over the slot; never a deeper queue.)
    positions = [q.position for o in outcomes for q in o.queued]
    assert all(p == 1 for p in positions), positions
    assert len(positions) <= 10, positions
    # Three NPUs in parallel: well under the time of 30 generations one after another.
    serial = sum(o.elapsed for o in sorted(outcomes, key=lambda o: o.elapsed)[:1]) * 30
    assert wall < serial * 0.6, f"30 calls took {wall:.1f} s; one alone takes ~{serial / 30:.2f} s"


def test_a_killed_server_fails_only_its_call_and_rejoins(cluster, protos, server_binary):
    proxy, servers = cluster
    victim = servers[1]
    address = f"127.0.0.1:{proxy.port}"
    results: list = []
    load = threading.Thread(target=lambda: results.extend(run_calls(protos, address, 12, timeout=60)))
    load.start()
    # Kill it while it is generating (its emulator is busy).
    from interop_helpers import emulator_state

    poll_until(lambda: emulator_state(victim.emulator_port)["phase"] != "idle", 20, "the victim to generate",
               interval=0.01)
    victim.kill()
    # Out of rotation within one health-check interval (inter 1s; a refused connection marks it
    # down at once).
    proxy.wait_states({"npu2": "DOWN"}, timeout=1.5)
    load.join(timeout=90)
    assert not load.is_alive(), "calls hung after a server was killed"
    failed = [o for o in results if o.code != grpc.StatusCode.OK]
    # Only the one call in flight on the killed NPU fails (maxconn 1), and with UNAVAILABLE.
    assert len(failed) <= 1, [o.describe() for o in failed] + [proxy.describe()]
    for outcome in failed:
        assert outcome.code == grpc.StatusCode.UNAVAILABLE, outcome.describe() + proxy.describe()
    assert len(results) == 12
    print(f"killed mid-load: {len(failed)} call(s) failed: {[o.describe() for o in failed]}")

    # New calls avoid it: all succeed on the others.
    later = run_calls(protos, address, 6)
    assert all(o.code == grpc.StatusCode.OK for o in later), [o.describe() for o in later]

    # It rejoins after a restart on the same ports.
    restarted = ServerProcess(server_binary, ["--grpc-port", str(victim.grpc_port), "--http-port", str(victim.http_port),
                                              "--emulator-args", f"--port {victim.emulator_port} {EMULATOR}"])
    restarted.emulator_port = victim.emulator_port
    servers[1] = restarted.start()
    wait_ready(restarted)
    proxy.wait_states({"npu2": "UP"})
    before = generations_per_server(servers)
    final = run_calls(protos, address, 9)
    assert all(o.code == grpc.StatusCode.OK for o in final), [o.describe() for o in final]
    after = generations_per_server(servers)
    assert after[1] - before[1] >= 1, (before, after)


def test_streaming_through_the_proxy_delivers_deltas_as_they_are_generated(cluster, protos):
    proxy, servers = cluster
    with grpc.insecure_channel(f"127.0.0.1:{proxy.port}") as channel:
        stub = protos.pb2_grpc.InferenceStub(channel)
        started = time.monotonic()
        arrivals = []
        for event in stub.Generate(protos.pb2.GenerateRequest(prompt="Stream please."), timeout=30):
            if event.WhichOneof("event") == "delta":
                arrivals.append(time.monotonic() - started)
            if event.WhichOneof("event") == "done":
                done_at = time.monotonic() - started
    assert len(arrivals) >= 5, arrivals
    # ~0.5 s of generation: the first delta comes long before the end, the rest spread out.
    assert arrivals[0] < done_at * 0.6, (arrivals, done_at)
    assert arrivals[-1] - arrivals[0] > done_at * 0.3, (arrivals, done_at)


@pytest.mark.parametrize("cluster", ["300ms"], indirect=True)
def test_a_queue_timeout_is_a_clear_unavailable(cluster, protos):
    proxy, _ = cluster
    # Three NPUs, 12 calls of ~0.5 s each, 0.3 s of queueing allowed: the later calls time out.
    outcomes = run_calls(protos, f"127.0.0.1:{proxy.port}", 12, timeout=30)
    ok = [o for o in outcomes if o.code == grpc.StatusCode.OK]
    failed = [o for o in outcomes if o.code != grpc.StatusCode.OK]
    assert len(ok) >= 3 and failed, [o.describe() for o in outcomes]
    for outcome in failed:
        assert outcome.code == grpc.StatusCode.UNAVAILABLE, outcome.describe()
        assert "no NPU server became free within the queue timeout" in outcome.details, outcome.describe()
        assert outcome.elapsed < 5, outcome.describe()
