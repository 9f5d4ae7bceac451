"""nginx as a real gRPC proxy in front of the server (`grpc_pass grpc://`, h2c on both sides):
Health, a WatchHealth first event and the standard health check pass through it."""

import os
import shutil
import socket
import subprocess
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from interop_helpers import free_port

NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port} http2;
        keepalive_requests 100000;
        client_max_body_size 16m;
        location / {{
            grpc_pass grpc://{upstream};
            grpc_read_timeout 60s;
        }}
    }}
}}
"""


@pytest.fixture(scope="module")
def nginx(server, tmp_path_factory):
    binary = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None)
    if binary is None:
        pytest.skip("nginx is not installed (Debian nginx-light): proxy tests need it")
    tmp = tmp_path_factory.mktemp("nginx")
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, upstream=server.grpc_addr))
    test = subprocess.run([binary, "-t", "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)],
                          capture_output=True, text=True, timeout=30)
    if test.returncode != 0 and "unknown directive \"grpc_pass\"" in test.stderr:
        pytest.skip(f"this nginx has no grpc module: {test.stderr.strip()}")
    assert test.returncode == 0, f"nginx -t failed:\n{test.stderr}"

    proc = subprocess.Popen([binary, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # nginx prints nothing when it is ready: wait until its port accepts (bounded).
    deadline = time.monotonic() + 15
    while True:
        if proc.poll() is not None:
            pytest.fail(f"nginx exited with {proc.returncode}:\n{proc.stdout.read().decode()}\n"
                        f"{(tmp / 'error.log').read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"nginx did not listen on {port} within 15 s:\n{(tmp / 'error.log').read_text()}")
            time.sleep(0.05)
    yield f"127.0.0.1:{port}", tmp
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def proxied(nginx):
    address, tmp = nginx
    with grpc.insecure_channel(address) as channel:
        yield channel, tmp


def test_health_through_nginx(protos, proxied):
    channel, tmp = proxied
    stub = protos.pb2_grpc.InferenceStub(channel)
    response = stub.Health(protos.pb2.HealthRequest(), timeout=10)
    assert response.version, response
    assert "/axrpc.v1.Inference/Health" in (tmp / "access.log").read_text()


def test_watch_health_first_event_through_nginx(protos, proxied):
    channel, _ = proxied
    stub = protos.pb2_grpc.InferenceStub(channel)
    call = stub.WatchHealth(protos.pb2.HealthRequest(), timeout=5)
    try:
        first = next(call)
    except grpc.RpcError as error:
        pytest.fail(f"no WatchHealth event through nginx: {error.code()} {error.details()!r}")
    finally:
        call.cancel()
    assert first.version, first


def test_standard_health_check_through_nginx(proxied):
    channel, _ = proxied
    stub = health_pb2_grpc.HealthStub(channel)
    response = stub.Check(health_pb2.HealthCheckRequest(service="grpc.health.v1.Health"), timeout=10)
    assert response.status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.RpcError) as info:
        stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


def test_many_calls_through_nginx(protos, proxied):
    """nginx multiplexes onto its upstream connection(s): 100 concurrent calls all succeed."""
    channel, _ = proxied
    stub = protos.pb2_grpc.InferenceStub(channel)
    futures = [stub.Health.future(protos.pb2.HealthRequest(), timeout=30) for _ in range(100)]
    assert all(f.result(timeout=60).version for f in futures)
