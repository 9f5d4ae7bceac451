"""Figure 4: resident memory idle, with 100 WatchHealth streams and with 16 queued Generate calls."""

from __future__ import annotations

import threading
import time

from .common import (heading, PROMPT, Emulator, grpc, med, pb, ratio, rotated, rpc, rss_kib, spread, start_axrpc,
                     start_cpp, start_python)

NUMBER = 4
TITLE = "Memory (RSS)"


def open_watches(address: str, count: int):
    channel = grpc.insecure_channel(address)
    stub = rpc.InferenceStub(channel)
    calls = [stub.WatchHealth(pb.HealthRequest(), timeout=120) for _ in range(count)]
    for call in calls:
        next(call)
    return channel, calls


def measure(args) -> dict:
    runs: dict = {"idle": {"axrpc": [], "cpp": [], "python": []}, "watch": {"axrpc": [], "cpp": [], "python": []},
                  "queued_idle": [], "queued": []}
    starters = {"axrpc": lambda: start_axrpc("fig4-axrpc", "--no-runtime"), "cpp": lambda: start_cpp("fig4-cpp"),
                "python": lambda: start_python("fig4-python")}
    for r in range(args.rounds):
        for name in rotated(list(starters), r):
            server = starters[name]()
            try:
                with grpc.insecure_channel(server.address) as channel:
                    rpc.InferenceStub(channel).Health(pb.HealthRequest(), timeout=10)
                time.sleep(0.5)
                runs["idle"][name].append(rss_kib(server.pid))
                channel, calls = open_watches(server.address, 100)
                time.sleep(0.5)
                runs["watch"][name].append(rss_kib(server.pid))
                for call in calls:
                    call.cancel()
                channel.close()
            finally:
                server.stop()
            print(f"  fig4 round {r + 1} {name}: idle {runs['idle'][name][-1]} KiB, "
                  f"100 watches {runs['watch'][name][-1]} KiB", flush=True)
        # 16 queued Generate calls (axrpc only: the anchors have no queue).
        emulator = Emulator("fig4-emulator", ["--tokens-per-second", "4.5", "--ttft-ms", "0",
                                              "--prefill-ms-per-chunk", "0", "--reply-tokens", "400"])
        server = start_axrpc("fig4-axrpc-queue", "--attach", "--runtime-url", emulator.url, "--queue-capacity", "16")
        channel = grpc.insecure_channel(server.address)
        try:
            stub = rpc.InferenceStub(channel)
            stub.Health(pb.HealthRequest(), timeout=10)
            time.sleep(0.5)
            runs["queued_idle"].append(rss_kib(server.pid))
            calls = []
            queued = threading.Semaphore(0)

            def consume(call):
                try:
                    for event in call:
                        if event.WhichOneof("event") in ("queued", "delta"):
                            queued.release()
                            break
                except grpc.RpcError:
                    pass

            threads = []
            for _ in range(17):
                call = stub.Generate(pb.GenerateRequest(prompt=PROMPT), timeout=120)
                calls.append(call)
                thread = threading.Thread(target=consume, args=(call,), daemon=True)
                thread.start()
                threads.append(thread)
                time.sleep(0.02)
            for _ in range(17):
                if not queued.acquire(timeout=30):
                    raise RuntimeError("not all 17 Generate calls got an event")
            depth = stub.Health(pb.HealthRequest(), timeout=10).queue_depth
            time.sleep(0.5)
            runs["queued"].append({"rss": rss_kib(server.pid), "depth": depth})
            for call in calls:
                call.cancel()
        finally:
            channel.close()
            server.stop()
            emulator.stop()
        print(f"  fig4 round {r + 1} axrpc queued: idle {runs['queued_idle'][-1]} KiB, "
              f"{runs['queued'][-1]['depth']} queued {runs['queued'][-1]['rss']} KiB", flush=True)
    return runs


def render(data: dict, rounds: int) -> list[str]:
    def mib(values):
        return [v / 1024 for v in values]

    lines = heading(NUMBER, TITLE) + [
        "VmRSS from /proc/PID/status of the server process alone. Idle = fresh process after one Health call and "
        "0.5 s; watch = the same process with 100 WatchHealth streams open (one grpcio channel, each stream has its "
        "first message). Servers as in figure 1 (`axrpc-server --no-runtime`). Queued = `axrpc-server --attach "
        "--runtime-url ... --queue-capacity 16` in front of `axllm-emulator --tokens-per-second 4.5 --ttft-ms 0 "
        "--prefill-ms-per-chunk 0 --reply-tokens 400` with 17 Generate calls open (1 running, 16 waiting, "
        "each has had its first event); the anchors have no queue, so this row is axrpc only. "
        f"{rounds} interleaved rounds, fresh processes each, median (min–max) MiB.",
        "",
        "| server | idle MiB | 100 WatchHealth MiB | added per stream KiB |",
        "|---|---|---|---|",
    ]
    for name in ("axrpc", "cpp", "python"):
        idle, watch = data["idle"][name], data["watch"][name]
        lines.append(f"| {name} | {spread(mib(idle), 1)} | {spread(mib(watch), 1)} | "
                     f"{(med(watch) - med(idle)) / 100:.1f} |")
    for anchor in ("cpp", "python"):
        lines.append(f"| **axrpc / {anchor}** | **{ratio(med(data['idle']['axrpc']), med(data['idle'][anchor])):.2f}x** | "
                     f"**{ratio(med(data['watch']['axrpc']), med(data['watch'][anchor])):.2f}x** | |")
    queued = [x["rss"] for x in data["queued"]]
    depths = sorted({x["depth"] for x in data["queued"]})
    lines += [
        "",
        "| server | attached, idle MiB | 16 queued Generate MiB | queue depth seen |",
        "|---|---|---|---|",
        f"| axrpc (no anchor: C++ and Python anchors have no queue) | {spread(mib(data['queued_idle']), 1)} | "
        f"{spread(mib(queued), 1)} | {', '.join(map(str, depths))} |",
        "",
        "No goal is set for memory; the ratios are the comparison.",
        "",
    ]
    return lines

