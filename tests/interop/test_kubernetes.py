"""The Kubernetes manifests in deploy/kubernetes/ validate against the API schemas (strict: no
unknown fields), for the oldest version with GA gRPC probes (1.27) and the newest known, and the
ConfigMap's configuration file uses only keys the server knows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT

MANIFESTS = sorted((REPO_ROOT / "deploy/kubernetes").glob("*.yaml"))
VALIDATOR = Path(sys.executable).parent / "kubernetes-validate"


@pytest.mark.parametrize("version", ["1.27.0", None])
def test_manifests_validate(version):
    assert MANIFESTS, "no manifests in deploy/kubernetes"
    args = [str(VALIDATOR), "--strict", *([] if version is None else ["-k", version]), *map(str, MANIFESTS)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout and "failed" not in result.stdout.lower(), result.stdout


def test_probes_and_config_match_the_server(server_binary):
    documents = [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]
    daemonset = next(d for d in documents if d["kind"] == "DaemonSet")
    container = daemonset["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["grpc"]["service"] == "axrpc.liveness"
    assert "service" not in container["readinessProbe"]["grpc"]  # "": the whole server

    config = next(d for d in documents if d["kind"] == "ConfigMap")["data"]["axrpc.conf"]
    keys = [line.split("=")[0].strip() for line in config.splitlines()
            if line.strip() and not line.strip().startswith("#")]
    flags = set(re.findall(r"--[a-z][a-z-]+", subprocess.run([str(server_binary), "--help"], capture_output=True,
                                                             text=True, timeout=30).stdout))
    assert keys and all(f"--{key}" in flags for key in keys), (keys, flags)
