#!/usr/bin/env python3
"""`make bench`: measures axrpc-server against well-known implementations on this machine and
writes BENCHMARKS.md.

Every figure interleaves the targets (round r runs them in a rotated order) and reports the median
and the spread (min-max) over the rounds, and axrpc's ratio to each anchor measured in the same run.
Anchors: a C++ grpc++ server (bench/anchors/cpp, Debian libgrpc++-dev 1.51, callback API) and a
Python grpcio asyncio server (bench/anchors/python, from PyPI in bench/out/venv); for the relay and
latency figures also a minimal client speaking the runtime protocol directly (bench/clients).
One module per figure in bench/figures/; the report is bench/figures/report.py.

Run by `make bench` after bench/setup.sh has built everything; by hand:

    bench/out/venv/bin/python bench/run.py                 # all figures -> BENCHMARKS.md
    bench/out/venv/bin/python bench/run.py --figure 2      # one figure -> bench/out/report-2.md
    bench/out/venv/bin/python bench/run.py --profile       # only the profiles (perf)
    bench/out/venv/bin/python bench/run.py --figure 7 --quick --rounds 1   # check the machinery

Nothing here asserts on timing: it measures and reports, met or missed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import FIGURES, profile, report  # noqa: E402
from figures.common import (CPP_SERVER, EMULATOR, OUT, ROOT, SERVER, STREAM_CLIENT, MachineLoad,  # noqa: E402
                            stop_all)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figure", type=int, action="append", choices=sorted(FIGURES),
                        help="only this figure (repeatable)")
    parser.add_argument("--profile", action="store_true", help="only the profiles")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per figure (default 3)")
    parser.add_argument("--quick", action="store_true", help="tiny runs to check the machinery (numbers meaningless)")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiles in a full run")
    parser.add_argument("--output", help="where to write the report (default: BENCHMARKS.md for a full run)")
    parser.add_argument("--render", metavar="RESULTS_JSON", help="measure nothing: rewrite the report of a saved run")
    args = parser.parse_args()
    every = sorted(FIGURES)
    if args.render:
        run = json.loads(Path(args.render).read_text())
        run["results"] = {(int(k) if k.isdigit() else k): v for k, v in run["results"].items()}
        full = run["figures"] == every and "profile" in run["results"]
        output = Path(args.output) if args.output else (ROOT / "BENCHMARKS.md" if full and not run["quick"] else
                                                         OUT / "report-rendered.md")
        return report.render(run, output)
    for path in (SERVER, EMULATOR, CPP_SERVER, STREAM_CLIENT):
        if not path.exists():
            print(f"missing {path}: run `make bench` (bench/setup.sh builds it)", file=sys.stderr)
            return 2
    OUT.mkdir(parents=True, exist_ok=True)
    figures = args.figure or ([] if args.profile else every)
    full = not args.figure and not args.profile
    do_profile = args.profile or (full and not args.no_profile)
    output = Path(args.output) if args.output else (ROOT / "BENCHMARKS.md" if full and not args.quick else
                                                     OUT / f"report-{'-'.join(map(str, figures)) or 'profile'}.md")
    steps = [(figure, FIGURES[figure].measure) for figure in figures]
    if do_profile:
        steps.append(("profile", profile.measure))
    results: dict = {}
    loads: dict = {}
    started = time.monotonic()
    header_load = os.getloadavg()
    try:
        for key, measure in steps:
            print(f"{'figure ' if key != 'profile' else ''}{key} ...", flush=True)
            load = MachineLoad()
            t0 = time.monotonic()
            try:
                results[key] = measure(args)
            except Exception as error:  # reported in the file and by the exit status, the rest still runs
                stop_all()
                results[key] = {"error": f"{type(error).__name__}: {error}"}
                print(f"{key} FAILED: {error}", file=sys.stderr, flush=True)
            loads[key] = load.finish() | {"seconds": round(time.monotonic() - t0, 1)}
    finally:
        stop_all()
    run = {"results": results, "loads": loads, "header_load": header_load, "machine": report.machine(),
           "total_s": time.monotonic() - started, "rounds": args.rounds, "quick": args.quick, "figures": figures}
    (OUT / "results.json").write_text(json.dumps(run, indent=1, default=str))
    return report.render(run, output)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        stop_all()
        sys.exit(130)
