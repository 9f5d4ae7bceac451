"""Helpers shared by the interop tests: gRPC message framing, generic calls, waiting for the
server to become SERVING, and a minimal raw HTTP/2 client (the `h2` state machine over a
blocking socket) for wire-level checks that real gRPC clients hide."""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field

import grpc
import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
from h2.connection import ConnectionState
from grpc_health.v1 import health_pb2, health_pb2_grpc

# gRPC status codes (doc/statuscodes.md).
OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND = 0, 1, 2, 3, 4, 5
RESOURCE_EXHAUSTED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE = 8, 12, 13, 14

HEALTH_PATH = "/axrpc.v1.Inference/Health"
WATCH_HEALTH_PATH = "/axrpc.v1.Inference/WatchHealth"
EMPTY_MESSAGE_FRAME = b"\x00\x00\x00\x00\x00"   # uncompressed, length 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def identity(payload: bytes) -> bytes:
    return payload


def raw_unary(channel: grpc.Channel, path: str):
    """A generic unary call that sends and returns raw message bytes."""
    return channel.unary_unary(path, request_serializer=identity, response_deserializer=identity)


def unknown_field(size: int) -> bytes:
    """A valid serialized HealthRequest of `size` + a few bytes: one unknown bytes field (15)."""
    length, varint = size, bytearray()
    while True:
        byte = length & 0x7F
        length >>= 7
        varint.append(byte | (0x80 if length else 0))
        if not length:
            break
    return bytes([15 << 3 | 2]) + bytes(varint) + b"x" * size


def grpc_frame(payload: bytes, compressed: bool = False) -> bytes:
    """One length-prefixed gRPC message."""
    return struct.pack(">BI", 1 if compressed else 0, len(payload)) + payload


def parse_grpc_frames(data: bytes) -> list[bytes]:
    """The messages of a complete response body; asserts it holds whole frames only."""
    messages, offset = [], 0
    while offset < len(data):
        assert len(data) - offset >= 5, f"truncated gRPC frame header at {offset}: {data[offset:]!r}"
        flag, length = struct.unpack_from(">BI", data, offset)
        assert flag == 0, f"response message with compressed flag {flag}"
        offset += 5
        assert len(data) - offset >= length, f"truncated gRPC message: want {length}, have {len(data) - offset}"
        messages.append(bytes(data[offset:offset + length]))
        offset += length
    return messages


def wait_for_serving(channel: grpc.Channel, service: str = "", timeout: float = 30.0) -> list[int]:
    """Follows grpc.health.v1 Watch until `service` is SERVING; returns the statuses seen."""
    stub = health_pb2_grpc.HealthStub(channel)
    seen: list[int] = []
    call = stub.Watch(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
    try:
        for response in call:
            seen.append(response.status)
            if response.status == health_pb2.HealthCheckResponse.SERVING:
                return seen
        raise AssertionError(f"Watch({service!r}) ended without SERVING; statuses seen: {seen}")
    except grpc.RpcError as error:
        raise AssertionError(f"Watch({service!r}) not SERVING within {timeout} s: statuses seen "
                             f"{seen}, call ended {error.code()} {error.details()!r}") from error
    finally:
        call.cancel()


# --------------------------------------------------------------------------------------------
# Raw HTTP/2


@dataclass
class RawStream:
    """What the server sent on one stream."""
    stream_id: int
    headers: dict[str, str] | None = None
    header_blocks: int = 0
    headers_ended_stream: bool = False
    data: bytearray = field(default_factory=bytearray)
    trailers: dict[str, str] | None = None
    ended: bool = False              # the server's END_STREAM
    reset_code: int | None = None    # the server's RST_STREAM error code
    local_closed: bool = False       # we sent END_STREAM

    @property
    def closed(self) -> bool:
        return self.reset_code is not None or (self.ended and self.local_closed)

    @property
    def http_status(self) -> int | None:
        return int(self.headers[":status"]) if self.headers else None

    @property
    def trailers_only(self) -> bool:
        return self.headers_ended_stream and self.header_blocks == 1 and not self.data

    @property
    def grpc_status(self) -> int | None:
        source = self.headers if self.trailers_only else self.trailers
        if source is None or "grpc-status" not in source:
            return None
        return int(source["grpc-status"])

    @property
    def grpc_message(self) -> str | None:
        source = self.headers if self.trailers_only else self.trailers
        return None if source is None else source.get("grpc-message")

    def messages(self) -> list[bytes]:
        return parse_grpc_frames(bytes(self.data))

    def describe(self) -> str:
        return (f"stream {self.stream_id}: headers={self.headers} blocks={self.header_blocks} "
                f"data={len(self.data)}B trailers={self.trailers} ended={self.ended} "
                f"reset={self.reset_code}")


class RawH2Connection:
    """A prior-knowledge h2c client connection; everything it receives is recorded per stream."""

    def __init__(self, addr: str, timeout: float = 10.0):
        host, port = addr.rsplit(":", 1)
        self.authority = addr
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.initiate_connection()
        # A large connection window: the tests never want to stall on our own flow control.
        self.conn.increment_flow_control_window(2**30)
        self.flush()
        self.streams: dict[int, RawStream] = {}
        self.goaway: h2.events.ConnectionTerminated | None = None   # the latest GOAWAY
        self.goaways: list[h2.events.ConnectionTerminated] = []
        self._rx = bytearray()
        self.eof = False
        self.events: list[h2.events.Event] = []

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "RawH2Connection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    # -- sending

    def start_request(self, path: str, *, method: str = "POST",
                      content_type: str | None = "application/grpc",
                      extra_headers: list[tuple[str, str]] = (), end_stream: bool = False,
                      te_trailers: bool = True) -> RawStream:
        headers = [(":method", method), (":scheme", "http"), (":authority", self.authority),
                   (":path", path)]
        if content_type is not None:
            headers.append(("content-type", content_type))
        if te_trailers:
            headers.append(("te", "trailers"))
        headers.extend(extra_headers)
        stream_id = self.conn.get_next_available_stream_id()
        self.conn.send_headers(stream_id, headers, end_stream=end_stream)
        stream = RawStream(stream_id, local_closed=end_stream)
        self.streams[stream_id] = stream
        self.flush()
        return stream

    def send_data(self, stream: RawStream, payload: bytes, *, end_stream: bool = True,
                  chunk_size: int | None = None, timeout: float = 30.0) -> bool:
        """Sends `payload` in DATA frames of at most `chunk_size` bytes, within flow control.
        Returns False when the server closed or reset the stream before all of it was sent."""
        deadline = time.monotonic() + timeout
        offset = 0
        try:
            while offset < len(payload):
                if stream.reset_code is not None:
                    return False
                window = min(self.conn.local_flow_control_window(stream.stream_id),
                             self.conn.max_outbound_frame_size)
                if chunk_size is not None:
                    window = min(window, chunk_size)
                if window <= 0:
                    if time.monotonic() > deadline:
                        raise AssertionError(f"no flow-control window within {timeout} s; {stream.describe()}")
                    self.pump(0.5)
                    continue
                piece = payload[offset:offset + window]
                offset += len(piece)
                self.conn.send_data(stream.stream_id, piece,
                                    end_stream=end_stream and offset == len(payload))
                self.flush()
            if end_stream and not payload:
                self.conn.end_stream(stream.stream_id)
                self.flush()
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            return False
        except (BrokenPipeError, ConnectionResetError):
            return False
        if end_stream:
            stream.local_closed = True
        return True

    def end_stream(self, stream: RawStream) -> None:
        self.conn.end_stream(stream.stream_id)
        stream.local_closed = True
        self.flush()

    def reset(self, stream: RawStream, code: int = h2.errors.ErrorCodes.CANCEL) -> None:
        self.conn.reset_stream(stream.stream_id, error_code=code)
        self.flush()

    # -- receiving

    def pump(self, timeout: float) -> bool:
        """Reads what arrives within `timeout` seconds and records it. False at end of file."""
        if self.eof:
            return False
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            return True
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            return False
        self._rx.extend(data)
        # Frame by frame: h2 treats a received GOAWAY as the end of everything and rejects any
        # later frame, while RFC 9113 (6.8) keeps streams up to last_stream_id alive. After each
        # GOAWAY the state machine is put back to open so those streams can finish.
        while len(self._rx) >= 9:
            size = 9 + int.from_bytes(self._rx[0:3], "big")
            if len(self._rx) < size:
                break
            frame = bytes(self._rx[:size])
            del self._rx[:size]
            for event in self.conn.receive_data(frame):
                self._record(event)
            if self.goaways and self.conn.state_machine.state == ConnectionState.CLOSED:
                self.conn.state_machine.state = ConnectionState.CLIENT_OPEN
        self.flush()
        return True

    def _record(self, event: h2.events.Event) -> None:
        self.events.append(event)
        stream = self.streams.get(getattr(event, "stream_id", None) or -1)
        if isinstance(event, h2.events.ResponseReceived):
            stream.headers = dict(event.headers)
            stream.header_blocks += 1
            stream.headers_ended_stream = event.stream_ended is not None
        elif isinstance(event, h2.events.TrailersReceived):
            stream.trailers = dict(event.headers)
            stream.header_blocks += 1
        elif isinstance(event, h2.events.DataReceived):
            stream.data.extend(event.data)
            if event.flow_controlled_length:
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            stream.ended = True
        elif isinstance(event, h2.events.StreamReset):
            if stream is not None:
                stream.reset_code = int(event.error_code)
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.goaway = event
            self.goaways.append(event)

    def wait_until(self, predicate, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}; "
                                     + "; ".join(s.describe() for s in self.streams.values()))
            if not self.pump(min(remaining, 1.0)) and not predicate():
                raise AssertionError(f"connection closed while waiting for {what}; goaway={self.goaway}; "
                                     + "; ".join(s.describe() for s in self.streams.values()))

    def wait_response_end(self, stream: RawStream, timeout: float = 10.0) -> RawStream:
        """Until the server ended (END_STREAM) or reset the stream."""
        self.wait_until(lambda: stream.ended or stream.reset_code is not None, timeout,
                        f"the end of stream {stream.stream_id}")
        return stream

    def call(self, path: str, body: bytes, timeout: float = 10.0, **kwargs) -> RawStream:
        """A whole request: headers, `body` as DATA with END_STREAM, then the full response."""
        stream = self.start_request(path, **kwargs)
        self.send_data(stream, body, end_stream=True)
        return self.wait_response_end(stream, timeout)


# --------------------------------------------------------------------------------------------
# The runtime bridge: the emulator's inspection API, generation streams, bounded polling

# What the runtime puts at the start of every reply (thinking forced off); the bridge strips it.
THINK_PREFIX = "<think>\n\n</think>\n\n"


def emulator_state(port: int, timeout: float = 5.0) -> dict:
    """`GET /__emulator/state` of an emulator on 127.0.0.1:`port`."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__emulator/state", timeout=timeout) as reply:
        return json.loads(reply.read().decode("utf-8"))


def emulator_reset_state(port: int, timeout: float = 5.0) -> None:
    """`POST /__emulator/reset-state`: clears the emulator's records (not its engine state)."""
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{port}/__emulator/reset-state", data=b"{}",
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        reply.read()


def poll_until(probe, timeout: float, what: str, interval: float = 0.02):
    """Calls `probe()` until it returns a truthy value (returned) or `timeout` seconds pass
    (AssertionError quoting `what` (a string or a callable giving one) and the last value or
    exception). For states with no event to wait on."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = probe()
        except Exception as error:  # noqa: BLE001 - the probe may fail while things settle
            value, last = None, error
        else:
            if value:
                return value
            last = value
        if time.monotonic() >= deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout} s waiting for {described}; last: {last!r}")
        time.sleep(interval)


class StreamEvents:
    """Views of a generation stream's `events` (GenerationEvent messages)."""
    events: list

    @property
    def kinds(self) -> list[str]:
        return [e.WhichOneof("event") for e in self.events]

    @property
    def queued(self) -> list:
        return [e.queued for e in self.events if e.WhichOneof("event") == "queued"]

    @property
    def deltas(self) -> list[str]:
        return [e.delta for e in self.events if e.WhichOneof("event") == "delta"]

    @property
    def text(self) -> str:
        return "".join(self.deltas)

    @property
    def done(self):
        dones = [e.done for e in self.events if e.WhichOneof("event") == "done"]
        return dones[-1] if dones else None


@dataclass
class StreamOutcome(StreamEvents):
    """Everything one server-streaming generation call produced."""
    events: list = field(default_factory=list)
    error: grpc.RpcError | None = None
    started: float = 0.0     # time.monotonic() when the call was made
    ended: float = 0.0       # when it ended (last event or error)

    @property
    def code(self) -> grpc.StatusCode:
        return self.error.code() if self.error is not None else grpc.StatusCode.OK

    @property
    def details(self) -> str:
        return (self.error.details() or "") if self.error is not None else ""

    @property
    def trailing_metadata(self) -> dict[str, str]:
        if self.error is None:
            return {}
        return {key: value for key, value in (self.error.trailing_metadata() or ())}


    @property
    def elapsed(self) -> float:
        return self.ended - self.started

    def describe(self) -> str:
        kinds = [e.WhichOneof("event") for e in self.events]
        return (f"code={self.code} details={self.details!r} events={len(kinds)} "
                f"(queued={kinds.count('queued')} delta={kinds.count('delta')} done={kinds.count('done')}) "
                f"text={self.text!r} done={self.done} elapsed={self.elapsed:.3f}s")


def consume_stream(call, started: float | None = None) -> StreamOutcome:
    """Reads a server-streaming call to its end; a failure is recorded, not raised."""
    outcome = StreamOutcome(started=time.monotonic() if started is None else started)
    try:
        for event in call:
            outcome.events.append(event)
    except grpc.RpcError as error:
        outcome.error = error
    outcome.ended = time.monotonic()
    return outcome
