"""The Python anchor of `make bench`: a grpcio asyncio server for the same axrpc.v1.Inference contract.

* Health and WatchHealth, like the C++ anchor (figures 1, 4 and 5).
* Generate bridged to the runtime the way a naive Python proxy does it (figure 2b): POST /api/reset,
  POST /api/generate (retried on 400 "llm is running" with the same backoff as axrpc's bridge), then
  poll GET /api/generate_provider with `requests` (one keep-alive Session, blocking calls on the event
  loop, as such a proxy does) and yield each chunk as a `delta`; the empty <think></think> prefix is
  stripped; `done` at the end. Polls again at once after text, after 5 ms when empty (axrpc's interval).

    anchor_server.py --stubs DIR [--host 127.0.0.1] [--port 0] [--runtime-url http://127.0.0.1:8000]

prints "anchor_server listening grpc=HOST:PORT" on stderr once it accepts calls.
"""

import argparse
import asyncio
import re
import signal
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stubs", required=True, help="folder with axrpc/v1/inference_pb2*.py")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--runtime-url", default=None)
    return parser.parse_args()


ARGS = parse_args()
sys.path.insert(0, ARGS.stubs)

import grpc  # noqa: E402
import requests  # noqa: E402
from axrpc.v1 import inference_pb2 as pb  # noqa: E402
from axrpc.v1 import inference_pb2_grpc as rpc  # noqa: E402

STARTED = time.monotonic()
RETRY_MS = [10, 20, 30, 40, 50, 50, 75, 100, 100, 150] + [200] * 17
THINK_PREFIX = re.compile(r"^<think>\s*</think>\s*")


def health():
    # The same fields and values axrpc-server 0.1.0 answers with --no-runtime (34 bytes).
    return pb.HealthResponse(
        status=pb.SERVING_STATUS_NOT_SERVING, runtime_state=pb.RUNTIME_STATE_STOPPED,
        uptime_seconds=int(time.monotonic() - STARTED), last_error="no runtime attached", version="0.1.0")


def strip_think_prefix(held):
    """(decided, text to relay): the reply's start is held back while it may still be the empty block."""
    match = THINK_PREFIX.match(held)
    if match:
        return (True, held[match.end():]) if match.end() < len(held) else (False, "")
    opening, closing = "<think>", "</think>"
    if len(held) <= len(opening):
        return (False, "") if opening.startswith(held) else (True, held)
    if not held.startswith(opening):
        return True, held
    rest = held[len(opening):].lstrip(" \n\r\t")
    return (False, "") if len(rest) <= len(closing) and closing.startswith(rest) else (True, held)


class Inference(rpc.InferenceServicer):
    def __init__(self, runtime_url):
        self.runtime_url = runtime_url
        self.http = requests.Session()

    async def Health(self, request, context):
        return health()

    async def WatchHealth(self, request, context):
        yield health()
        await asyncio.Event().wait()  # never changes; ends when the client cancels

    async def Generate(self, request, context):
        if not self.runtime_url:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "no runtime")
        url = self.runtime_url
        self.http.post(f"{url}/api/reset", json={})
        body = {"prompt": request.prompt, "temperature": 0.0, "top-k": 1, "top-p": 0.0,
                "repetition_penalty": 1.0}
        for delay in RETRY_MS + [None]:
            reply = self.http.post(f"{url}/api/generate", json=body)
            if reply.status_code == 200:
                break
            if delay is None or "llm is running" not in reply.text:
                await context.abort(grpc.StatusCode.UNAVAILABLE, f"runtime: {reply.status_code} {reply.text}")
            await asyncio.sleep(delay / 1000)
        started = time.monotonic()
        saw_running = False
        deciding, held = True, ""
        while True:
            poll = self.http.get(f"{url}/api/generate_provider").json()
            raw = text = poll.get("response", "")
            if raw:
                saw_running = True
                if deciding:
                    held += text
                    decided, text = strip_think_prefix(held)
                    deciding = not decided
                if text:
                    yield pb.GenerationEvent(delta=text)
            if not poll.get("done"):
                saw_running = True
            elif saw_running or time.monotonic() - started > 1.0:
                break
            if not raw:
                await asyncio.sleep(0.005)
        if deciding and held:
            rest = THINK_PREFIX.sub("", held)
            if rest:
                yield pb.GenerationEvent(delta=rest)
        yield pb.GenerationEvent(done=pb.Completion(finish_reason=pb.FINISH_REASON_STOP, model="emulator"))


async def main():
    server = grpc.aio.server()
    rpc.add_InferenceServicer_to_server(Inference(ARGS.runtime_url), server)
    port = server.add_insecure_port(f"{ARGS.host}:{ARGS.port}")
    await server.start()
    print(f"anchor_server listening grpc={ARGS.host}:{port}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(0.5)


if __name__ == "__main__":
    asyncio.run(main())
