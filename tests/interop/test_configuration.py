"""Configuration from three places: every server flag also from `AXRPC_<FLAG>` environment
variables and from `--config FILE` (or `AXRPC_CONFIG`), with the precedence flag > environment >
file > default; bad values are refused with the file, line and key (or the variable) named."""

from __future__ import annotations

import subprocess

import grpc
import pytest

from conftest import REPO_ROOT

USAGE_ERROR = 64


def health(protos, server):
    with grpc.insecure_channel(server.grpc_addr) as channel:
        return protos.pb2_grpc.InferenceStub(channel).Health(protos.pb2.HealthRequest(), timeout=10)


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "axrpc.conf"
    path.write_text("# test configuration\nqueue-capacity = 5   # a comment after the value\n"
                    "emulator-args = \"--tokens-per-second 200 # not a comment\"\n")
    return path


def test_file_env_and_flag_in_order_of_precedence(server_factory, protos, config, monkeypatch):
    assert health(protos, server_factory("--config", str(config))).queue_capacity == 5
    monkeypatch.setenv("AXRPC_QUEUE_CAPACITY", "4")
    assert health(protos, server_factory("--config", str(config))).queue_capacity == 4
    assert health(protos, server_factory("--config", str(config), "--queue-capacity", "3")).queue_capacity == 3
    monkeypatch.delenv("AXRPC_QUEUE_CAPACITY")
    # AXRPC_CONFIG names the file when --config does not.
    monkeypatch.setenv("AXRPC_CONFIG", str(config))
    assert health(protos, server_factory()).queue_capacity == 5


def test_a_stronger_false_switches_off_a_weaker_true(server_factory, protos, tmp_path, monkeypatch):
    config = tmp_path / "axrpc.conf"
    config.write_text("no-runtime = true\n")
    assert not health(protos, server_factory("--config", str(config))).emulated
    monkeypatch.setenv("AXRPC_NO_RUNTIME", "false")
    assert health(protos, server_factory("--config", str(config))).emulated


def test_the_example_config_in_the_repository_is_valid(server_factory, protos):
    # The command line's --grpc-port 0 and --http-port 0 (added by the fixture) win over its ports.
    server = server_factory("--config", str(REPO_ROOT / "deploy/axrpc.conf"))
    assert health(protos, server).queue_capacity == 16


def run_server(server_binary, *args, env=None, timeout=30):
    import os

    environment = dict(os.environ, **(env or {}))
    return subprocess.run([str(server_binary), "--grpc-port", "0", "--http-port", "0", *args],
                          capture_output=True, text=True, timeout=timeout, env=environment)


def test_bad_value_in_the_file_names_file_line_and_key(server_binary, tmp_path):
    config = tmp_path / "axrpc.conf"
    config.write_text("# comment\n\nqueue-capacity = lots\n")
    result = run_server(server_binary, "--config", str(config))
    assert result.returncode == USAGE_ERROR, result
    assert f'config file {config}, line 3, key "queue-capacity": "lots" is not a whole number' in result.stderr


def test_unknown_key_is_refused(server_binary, tmp_path):
    config = tmp_path / "axrpc.conf"
    config.write_text("grpc-prot = 1\n")
    result = run_server(server_binary, "--config", str(config))
    assert result.returncode == USAGE_ERROR, result
    assert f'config file {config}, line 1, key "grpc-prot": unknown key' in result.stderr, result.stderr


def test_bad_value_in_the_environment_names_the_variable(server_binary):
    result = run_server(server_binary, env={"AXRPC_STARTUP_TIMEOUT": "soon"})
    assert result.returncode == USAGE_ERROR, result
    assert 'environment variable AXRPC_STARTUP_TIMEOUT: "soon" is not a number' in result.stderr


def test_out_of_range_value_says_where_it_came_from(server_binary, tmp_path):
    result = run_server(server_binary, env={"AXRPC_QUEUE_CAPACITY": "0"})
    assert result.returncode == USAGE_ERROR, result
    assert "--queue-capacity must be at least 1" in result.stderr
    assert "--queue-capacity came from the environment variable AXRPC_QUEUE_CAPACITY" in result.stderr

    config = tmp_path / "axrpc.conf"
    config.write_text("liveness-grace-seconds = -1\n")
    result = run_server(server_binary, "--config", str(config))
    assert result.returncode == USAGE_ERROR, result
    assert f'--liveness-grace-seconds came from the config file {config}, line 1, key "liveness-grace-seconds"' \
        in result.stderr, result.stderr


def test_missing_config_file(server_binary, tmp_path):
    missing = tmp_path / "nowhere.conf"
    result = run_server(server_binary, "--config", str(missing))
    assert result.returncode == USAGE_ERROR, result
    assert f"cannot read the config file {missing}: No such file or directory" in result.stderr
