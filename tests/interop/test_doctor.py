"""`axrpc-server init-model DIR` and `axrpc-server doctor --model-dir DIR` on fake vendor
packages made here, laid out like AXERA-TECH's Qwen3-4B: a good one, one cloned without Git LFS
(pointer files), and one with a runtime binary for another CPU. The fake runtime is a shell
script; fake `python3` and `axcl-smi` programs stand in for the tokenizer's Python and the
driver's tool, and a meminfo file with CMA for the host's."""

from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

SCRIPT_ARGS = ('--template_filename_axmodel "qwen3-4b-ax650/qwen3_p128_l%d_together.axmodel" '
               '--axmodel_num 36 --url_tokenizer_model "http://127.0.0.1:12345" '
               '--filename_post_axmodel qwen3-4b-ax650/qwen3_post.axmodel '
               "--filename_tokens_embed 'qwen3-4b-ax650/model.embed_tokens.weight.bfloat16.bin' "
               "--tokens_embed_num 151936 --tokens_embed_size 2560 --use_mmap_load_embed 1 --devices 0")
LFS_POINTER = ("version https://git-lfs.github.com/spec/v1\n"
               "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 1816560\n")
MEMINFO_WITH_CMA = "MemTotal:        8245668 kB\nCmaTotal:         524288 kB\nCmaFree:          500000 kB\n"


def vendor_script() -> str:
    # One flag per line with backslash continuations, as the vendor writes it.
    words = shlex.split(SCRIPT_ARGS)
    pairs = [" ".join(shlex.quote(w) if "%" not in w else f'"{w}"' for w in words[i:i + 2])
             for i in range(0, len(words), 2)]
    return "#!/bin/bash\n# run Qwen3-4B on the M.2 card\n./main_api_axcl_aarch64 \\\n" + " \\\n".join(pairs) + "\n"


def make_package(root: Path, name: str = "Qwen3-4B") -> Path:
    package = root / name
    models = package / "qwen3-4b-ax650"
    models.mkdir(parents=True)
    (package / "run_qwen3_4b_int8_ctx_axcl_aarch64.sh").write_text(vendor_script())
    runtime = package / "main_api_axcl_aarch64"
    runtime.write_text("#!/bin/sh\necho 'LLM init start'\nexit 0\n")
    runtime.chmod(0o755)
    (package / "post_config.json").write_text(json.dumps({
        "enable_temperature": True, "temperature": 0.9, "enable_repetition_penalty": False,
        "repetition_penalty": 1.2, "enable_top_p_sampling": False, "top_p": 0.8,
        "enable_top_k_sampling": True, "top_k": 1}))
    (package / "qwen3_tokenizer_uid.py").write_text("import transformers, jinja2\n")
    for index in range(2):
        (models / f"qwen3_p128_l{index}_together.axmodel").write_bytes(b"\x00axmodel" * 200)
    (models / "model.embed_tokens.weight.bfloat16.bin").write_bytes(b"\x01" * 4096)
    return package


@pytest.fixture
def tools(tmp_path) -> dict:
    """PATH with working fakes of python3 (the tokenizer's imports) and axcl-smi, and a meminfo
    file with CMA: the host a real deployment would have."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("python3", "exit 0"), ("axcl-smi", "echo '| 0  Device 0001:01:00.0 |'")):
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(MEMINFO_WITH_CMA)
    return {"env": dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}"), "meminfo": str(meminfo)}


def run(server_binary, *args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(server_binary), *args], capture_output=True, text=True, timeout=60, env=env)


def doctor(server_binary, package, tools) -> subprocess.CompletedProcess:
    return run(server_binary, "doctor", "--model-dir", str(package), "--meminfo", tools["meminfo"], env=tools["env"])


def lines_of(result, tag: str) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(f"[{tag}]")]


def test_init_model_writes_exactly_the_vendor_command_line(server_binary, tmp_path, tools):
    package = make_package(tmp_path)
    result = run(server_binary, "init-model", str(package), env=tools["env"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ready: axrpc-server --model-dir {package}" in result.stdout
    manifest = json.loads((package / "axrpc-model.json").read_text())
    assert manifest["runtime"]["command"] == "./main_api_axcl_aarch64"
    assert manifest["runtime"]["args"] == shlex.split(SCRIPT_ARGS)
    assert manifest["name"] == "qwen3:4b" and manifest["family"] == "qwen3" and manifest["parameter_size"] == "4B"
    assert manifest["quantization"] == "int8"
    assert manifest["context_tokens"] == 2048
    assert manifest["env"] == {"LD_LIBRARY_PATH": "/usr/lib/axcl"}
    assert manifest["tokenizer"] == {"command": "python3",
                                     "args": ["qwen3_tokenizer_uid.py", "--host", "127.0.0.1", "--port", "12345"],
                                     "url": "http://127.0.0.1:12345"}

    # An existing manifest is kept unless --force.
    again = run(server_binary, "init-model", str(package), "--name", "other", env=tools["env"])
    assert again.returncode != 0 and "already exists; pass --force" in again.stderr, again
    forced = run(server_binary, "init-model", str(package), "--name", "other", "--force", env=tools["env"])
    assert forced.returncode == 0, forced.stderr
    assert json.loads((package / "axrpc-model.json").read_text())["name"] == "other"


def test_init_model_notes_a_script_that_runs_the_interactive_build(server_binary, tmp_path, tools):
    package = make_package(tmp_path)
    script = package / "run_qwen3_4b_int8_ctx_axcl_aarch64.sh"
    script.write_text(script.read_text().replace("./main_api_axcl_aarch64", "./main_axcl_aarch64"))
    result = run(server_binary, "init-model", str(package), "--dry-run", env=tools["env"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["runtime"]["command"] == "./main_axcl_aarch64"
    written = run(server_binary, "init-model", str(package), env=tools["env"])
    assert "not the HTTP API build" in written.stdout and "./main_api_axcl_aarch64" in written.stdout, written.stdout


def test_init_model_without_a_run_script_says_what_it_needs(server_binary, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(server_binary, "init-model", str(empty))
    assert result.returncode != 0
    assert "no run_*_axcl_aarch64.sh script" in result.stderr, result.stderr


def test_doctor_passes_on_a_good_package(server_binary, tmp_path, tools):
    package = make_package(tmp_path)
    assert run(server_binary, "init-model", str(package), env=tools["env"]).returncode == 0
    result = doctor(server_binary, package, tools)
    assert result.returncode == 0, result.stdout + result.stderr
    names = [line.split(":")[0] for line in lines_of(result, "PASS")]
    for check in ("[PASS] manifest", "[PASS] runtime program", "[PASS] model files", "[PASS] sampling defaults",
                  "[PASS] launch preflight", "[PASS] runtime port 8000", "[PASS] tokenizer port 12345",
                  "[PASS] tokenizer Python modules", "[PASS] CMA memory", "[PASS] axcl-smi", "[PASS] device index"):
        assert check in names or any(n.startswith(check) for n in names), f"{check} missing:\n{result.stdout}"
    assert lines_of(result, "FAIL") == []
    assert result.stdout.rstrip().endswith("all checks passed")


def test_doctor_runs_ldd_on_a_native_runtime(server_binary, tmp_path, tools):
    package = make_package(tmp_path)
    assert run(server_binary, "init-model", str(package), env=tools["env"]).returncode == 0
    # A real ELF program for this machine in place of the runtime: ldd resolves its libraries.
    shutil.copy("/bin/true", package / "main_api_axcl_aarch64")
    result = doctor(server_binary, package, tools)
    assert "[PASS] runtime shared libraries: all found" in result.stdout, result.stdout
    assert result.returncode == 0, result.stdout


def test_doctor_names_git_lfs_pointers(server_binary, tmp_path, tools):
    package = make_package(tmp_path)
    assert run(server_binary, "init-model", str(package), env=tools["env"]).returncode == 0
    (package / "main_api_axcl_aarch64").write_text(LFS_POINTER)
    (package / "qwen3-4b-ax650/qwen3_p128_l0_together.axmodel").write_text(LFS_POINTER)
    result = doctor(server_binary, package, tools)
    assert result.returncode == 1, result.stdout
    failures = "\n".join(lines_of(result, "FAIL"))
    assert "[FAIL] runtime program" in failures and "Git LFS pointer" in failures, result.stdout
    assert "[FAIL] model files" in failures and "qwen3_p128_l0_together.axmodel" in failures, result.stdout
    assert "git lfs pull" in result.stdout
    assert "check" in result.stdout.splitlines()[-1] and "failed" in result.stdout.splitlines()[-1]


def elf_header(machine: int) -> bytes:
    """The first 64 bytes of a 64-bit little-endian ELF executable for `machine`."""
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    return ident + (2).to_bytes(2, "little") + machine.to_bytes(2, "little") + bytes(44)


def test_doctor_names_a_binary_for_another_cpu(server_binary, tmp_path, tools):
    package = make_package(tmp_path)
    assert run(server_binary, "init-model", str(package), env=tools["env"]).returncode == 0
    other, other_name = (62, "x86-64") if platform.machine() in ("aarch64", "arm64") else (183, "aarch64")
    runtime = package / "main_api_axcl_aarch64"
    runtime.write_bytes(elf_header(other) + b"\x00" * 4096)
    runtime.chmod(0o755)
    result = doctor(server_binary, package, tools)
    assert result.returncode == 1, result.stdout
    failure = next(line for line in lines_of(result, "FAIL") if line.startswith("[FAIL] runtime program"))
    assert f"built for {other_name}" in failure, failure
    # ldd is not run on a binary for another CPU.
    assert "[SKIP] runtime shared libraries" in result.stdout


def test_doctor_names_a_busy_port_and_missing_host_pieces(server_binary, tmp_path, tools):
    package = make_package(tmp_path)
    assert run(server_binary, "init-model", str(package), env=tools["env"]).returncode == 0
    manifest_path = package / "axrpc-model.json"
    manifest = json.loads(manifest_path.read_text())
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        manifest["runtime"]["url"] = f"http://127.0.0.1:{port}"
        manifest["runtime"]["args"] = [a for a in manifest["runtime"]["args"] if a not in ("--devices", "0")]
        manifest_path.write_text(json.dumps(manifest))
        # No fakes on PATH for axcl-smi; a meminfo without CMA.
        bare = tmp_path / "bare-meminfo"
        bare.write_text("MemTotal: 1000 kB\n")
        result = run(server_binary, "doctor", "--model-dir", str(package), "--meminfo", str(bare),
                     env=dict(os.environ, PATH="/usr/bin:/bin"))
    assert result.returncode == 1
    out = result.stdout
    assert f"[FAIL] runtime port {port}: in use" in out, out
    assert "[FAIL] CMA memory" in out and "cma=" in out, out
    assert "[FAIL] device index: runtime.args has no --devices" in out, out
    if not Path("/usr/bin/axcl/axcl-smi").exists():
        assert "[FAIL] axcl-smi: not found" in out, out


def test_doctor_without_a_model_checks_the_emulator(server_binary):
    result = run(server_binary, "doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("[PASS] emulator:"), result.stdout
