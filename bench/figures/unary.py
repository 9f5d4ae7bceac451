"""Figure 1: unary Health under h2load, few connections with many streams (`-c 10 -m 10`) and many
connections with one stream each (`-c 100 -m 1`, `-c 500 -m 1`), against grpc++ and grpcio."""

from __future__ import annotations

from .common import (heading, HEALTH_PATH, OUT, h2load, med, ratio, rotated, spread, start_axrpc, start_cpp,
                     start_python, verdict)

NUMBER = 1
TITLE = "Unary throughput and latency (Health)"
# (clients, streams per client, anchors measured, requests/s goal as a multiple of grpc++'s)
CONFIGS = [(10, 10, ("cpp", "python"), 2.5), (100, 1, ("cpp", "python"), 1.5), (500, 1, ("cpp",), 1.5)]


def key(clients: int, streams: int) -> str:
    return f"c{clients}m{streams}"


def measure(args) -> dict:
    duration = 1 if args.quick else 3
    # Room for -c 500 while the previous run's connections are still being closed (default 512).
    servers = {"axrpc": start_axrpc("fig1-axrpc", "--no-runtime", "--max-connections", "2048"),
               "cpp": start_cpp("fig1-cpp"), "python": start_python("fig1-python")}
    runs: dict = {key(c, m): {name: [] for name in ("axrpc", *anchors)} for c, m, anchors, _ in CONFIGS}
    try:
        for r in range(args.rounds):
            for clients, streams, anchors, _ in CONFIGS:
                for name in rotated(["axrpc", *anchors], r):
                    result = h2load(servers[name].address, clients, streams, duration, OUT / f"h2load-{name}.log",
                                    servers[name].pid)
                    runs[key(clients, streams)][name].append(result)
                    print(f"  fig1 round {r + 1} -c {clients} -m {streams} {name}: {result['rps']:.0f} req/s "
                          f"p50 {result['p50_ms']:.2f} ms p99 {result['p99_ms']:.2f} ms", flush=True)
    finally:
        for proc in servers.values():
            proc.stop()
    return {"duration": duration, "runs": runs}


def render(data: dict, rounds: int) -> list[str]:
    d = data["duration"]
    lines = heading(NUMBER, TITLE) + [
        f"Load: `h2load -D {d} --warm-up-time 1 -c C -m M -t 1 --log-file LOG -H 'content-type: application/grpc' "
        f"-H 'te: trailers' -d health-request.grpc http://127.0.0.1:PORT{HEALTH_PATH}` (the body is the 5-byte "
        "frame of an empty HealthRequest); p50/p99 are computed from the per-request times in LOG. "
        "Servers: `axrpc-server --no-runtime --max-connections 2048` (release; the limit is raised from 512 so that "
        "`-c 500` never meets the previous run's closing connections), "
        "`bench/out/cpp/health_server` (grpc++ 1.51 callback API), `bench/anchors/python/anchor_server.py` (grpcio "
        f"aio; not at `-c 500`). {rounds} interleaved rounds, "
        "median (min–max); ratio = axrpc median / anchor median. CPU = utime+stime from /proc/PID/stat over the "
        "whole h2load run (warm-up included) divided by its wall time, and per request by rate x wall time; "
        "context switches = voluntary + involuntary of all the server's threads (/proc/PID/task/*/status). "
        "h2load and the server share the 2 cores.",
        "",
        "| load | server | requests/s | p50 ms | p99 ms | failed | server CPU % of a core | server CPU µs/req | server ctx switches/req | h2load CPU % |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    goals = []
    targets = {key(c, m): goal for c, m, _, goal in CONFIGS}
    for config, by_server in data["runs"].items():
        clients, streams = config[1:].split("m")
        label = f"-c {clients} -m {streams}"
        for name, results in by_server.items():
            lines.append(f"| `{label}` | {name} | {spread([x['rps'] for x in results])} | "
                         f"{spread([x['p50_ms'] for x in results], 2)} | {spread([x['p99_ms'] for x in results], 2)} | "
                         f"{sum(x['failed'] for x in results)} | {spread([x['server_cpu_pct'] for x in results])} | "
                         f"{spread([x['server_cpu_us_per_req'] for x in results], 1)} | "
                         f"{spread([x['switches_per_req'] for x in results], 2)} | {spread([x['h2load_cpu_pct'] for x in results])} |")
        ax = by_server["axrpc"]

        def m(rows, field):
            return med([x[field] for x in rows])

        for anchor in [name for name in by_server if name != "axrpc"]:
            rows = by_server[anchor]
            rps_ratio = ratio(m(ax, "rps"), m(rows, "rps"))
            p99_ratio = ratio(m(ax, "p99_ms"), m(rows, "p99_ms"))
            lines.append(f"| `{label}` | **axrpc / {anchor}** | **{rps_ratio:.2f}x** | "
                         f"{ratio(m(ax, 'p50_ms'), m(rows, 'p50_ms')):.2f}x | {p99_ratio:.2f}x | | | "
                         f"{ratio(m(ax, 'server_cpu_us_per_req'), m(rows, 'server_cpu_us_per_req')):.2f}x | | |")
            if anchor == "cpp":
                goals.append((label, rps_ratio, p99_ratio, targets.get(config, 1.5)))
    lines.append("")
    for label, rps_ratio, p99_ratio, goal in goals:
        lines.append(f"Goal `{label}`: requests/s >= {goal}x C++: {rps_ratio:.2f}x {verdict(rps_ratio >= goal)}; "
                     f"p99 no worse than C++: {p99_ratio:.3f}x of it {verdict(p99_ratio <= 1.0)}.")
        lines.append("")
    return lines
