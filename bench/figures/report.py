"""The report of `make bench`: BENCHMARKS.md (or one figure's file) from a run's results, with the
machine, its load per figure, the goals at a glance and, for every missed goal, the measured profile."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path

from . import FIGURES, profile
from .common import ROOT, RUN, grpc

def tool_version(argv: list[str]) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (result.stdout or result.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next(line.split(":", 1)[1].strip() for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    debian = Path("/etc/debian_version").read_text().strip() if Path("/etc/debian_version").exists() else "?"
    grpcpp = tool_version(["pkg-config", "--modversion", "grpc++"])
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip() or "unknown"
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "Sources", "Package.swift"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        commit += " with uncommitted changes under Sources/" if dirty else " (Sources/ clean)"
    except OSError:
        commit = "unknown"
    return [
        f"- axrpc measured: commit {commit}",
        f"- Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {cpu}, {os.cpu_count()} cores, {memory} RAM; Debian {debian}; Linux {platform.release()}",
        f"- axrpc-server / axllm-emulator: release builds (`swift build -c release --scratch-path .build-bench`), "
        f"{tool_version(['swift', '--version'])}",
        f"- Anchors: grpc++ {grpcpp} (Debian libgrpc++-dev, g++ -O2), grpcio {grpc.__version__} "
        f"(PyPI, Python {platform.python_version()}); load: {tool_version(['h2load', '--version'])}",
    ]


# Which profile measured the path a figure's goals are about.
PROFILE_OF = {1: ("fig1-c100", "fig1"), 2: ("fig2",), 9: ("fig2",)}


def render(run: dict, output: Path) -> int:
    """Writes the report of one run (also from a saved bench/out/results.json: --render)."""
    results, loads, figures = run["results"], run["loads"], run["figures"]
    rounds, quick, header_load = run["rounds"], run["quick"], run["header_load"]
    lines = ["# Benchmarks", "",
             "Written by `make bench` (bench/run.py). Every figure below is reproduced by the command printed with it "
             "(after `make bench` has built `.build-bench/release` and `bench/out/`). \"Fast\" only means a ratio to a "
             "well-known implementation measured in the same run on the same machine, interleaved.", ""]
    lines += run["machine"]
    lines += [f"- Machine load: load average {header_load[0]:.2f} / {header_load[1]:.2f} / {header_load[2]:.2f} "
              f"(1/5/15 min) when the run started; per figure below (CPU busy share of all cores during the figure, "
              f"the bench's own processes included). The interleaving puts other jobs' noise on every target alike; "
              f"the spread columns show how much there was.",
              f"- Total run time of bench/run.py (builds not included): {run['total_s']:.0f} s"
              + (" (--quick: numbers meaningless)" if quick else ""), ""]
    lines += ["| figure | seconds | CPU busy % | load avg at start → end (1 min) |", "|---|---|---|---|"]
    for key, load in loads.items():
        lines.append(f"| {key} | {load['seconds']} | {load['busy_pct']} | {load['load_start'][0]:.2f} → "
                     f"{load['load_end'][0]:.2f} |")
    lines.append("")
    summary_at = len(lines)
    failed = False
    goals: list[str] = []
    missed: set = set()
    for figure in figures:
        module = FIGURES[figure]
        if "error" in results[figure]:
            failed = True
            lines += [f"## {figure}. FAILED", "", f"Reproduce: `{RUN} --figure {figure}`", "",
                      f"The run failed: `{results[figure]['error']}`", ""]
            continue
        section = module.render(results[figure], rounds)
        lines += section
        for line in section:
            if "**met**" in line or "**MISSED**" in line:
                goals.append(f"- Figure {figure}: {line}")
            if "**MISSED**" in line:
                missed.add(figure)
    if "profile" in results:
        if "error" in results["profile"]:
            failed = True
            lines += ["## Profiles FAILED", "", f"`{results['profile']['error']}`", ""]
        else:
            lines += profile.render(results["profile"])
    explained = []
    prof = results.get("profile") or {}
    for figure in sorted(missed):
        for key in PROFILE_OF.get(figure, ()):
            if key in prof:
                explained.append(f"- Figure {figure}, profile `{key}` ({prof[key]['load']}): "
                                 f"{profile.top_costs(prof[key])}.")
    lines[summary_at:summary_at] = (["## Goals at a glance", ""] + goals + [""]
                                    + (["### Missed goals: the measured profiles of their paths", ""] + explained + [""]
                                       if explained else []))
    output.write_text("\n".join(lines) + "\n")
    print(f"wrote {output}")
    return 1 if failed else 0
