"""Wire-level gRPC-over-HTTP/2 rules checked with a raw h2 client (frames the real clients hide):
response shape, Trailers-Only, RST_STREAM(NO_ERROR) after an early response, reassembly across
DATA frames, message-count and compression errors, a server-side `grpc-timeout`, oversize on the
very same connection, 200 concurrent streams on one connection, the header-list limit."""

import base64
import time

import pytest

from interop_helpers import (
    DEADLINE_EXCEEDED, EMPTY_MESSAGE_FRAME, HEALTH_PATH, INTERNAL, OK, RESOURCE_EXHAUSTED,
    UNIMPLEMENTED, WATCH_HEALTH_PATH, RawH2Connection, grpc_frame, unknown_field)

NO_ERROR = 0


@pytest.fixture
def h2conn(server):
    with RawH2Connection(server.grpc_addr) as connection:
        yield connection


def assert_grpc_content_type(headers):
    assert headers.get("content-type", "").startswith("application/grpc"), headers


def assert_printable_message(stream):
    message = stream.grpc_message
    if message is not None:
        assert all(0x20 <= ord(c) <= 0x7E for c in message), f"grpc-message not percent-encoded: {message!r}"


def assert_health_ok(protos, stream):
    assert stream.http_status == 200, stream.describe()
    assert_grpc_content_type(stream.headers)
    assert stream.grpc_status == OK, stream.describe()
    [message] = stream.messages()
    assert protos.pb2.HealthResponse.FromString(message).version


def test_unary_response_shape(protos, h2conn):
    stream = h2conn.call(HEALTH_PATH, EMPTY_MESSAGE_FRAME)
    assert stream.header_blocks == 2, f"want headers + trailers: {stream.describe()}"
    assert not stream.headers_ended_stream
    assert ":status" not in stream.trailers and "grpc-status" in stream.trailers, stream.describe()
    assert "grpc-status" not in stream.headers, stream.describe()
    assert_health_ok(protos, stream)


@pytest.mark.parametrize("content_type", ["application/grpc", "application/grpc+proto"])
def test_content_types_and_no_te_are_accepted(protos, h2conn, content_type):
    stream = h2conn.call(HEALTH_PATH, EMPTY_MESSAGE_FRAME, content_type=content_type, te_trailers=False)
    assert_health_ok(protos, stream)


@pytest.mark.parametrize("method,content_type,status", [
    ("POST", None, 415), ("POST", "application/json", 415), ("GET", None, 405),
    ("PUT", "application/grpc", 405)])
def test_non_grpc_requests_get_http_errors_and_the_connection_serves(protos, h2conn, method,
                                                                     content_type, status):
    stream = h2conn.start_request(HEALTH_PATH, method=method, content_type=content_type,
                                  end_stream=method == "GET")
    if method != "GET":
        h2conn.send_data(stream, EMPTY_MESSAGE_FRAME, end_stream=True)
    h2conn.wait_response_end(stream)
    assert stream.http_status == status, stream.describe()
    assert_health_ok(protos, h2conn.call(HEALTH_PATH, EMPTY_MESSAGE_FRAME))


def test_unknown_method_is_trailers_only(h2conn):
    stream = h2conn.call("/axrpc.v1.Inference/Nope", EMPTY_MESSAGE_FRAME)
    assert stream.trailers_only, f"want one HEADERS frame with END_STREAM: {stream.describe()}"
    assert stream.http_status == 200
    assert_grpc_content_type(stream.headers)
    assert stream.grpc_status == UNIMPLEMENTED, stream.describe()
    assert_printable_message(stream)


def test_early_response_is_followed_by_rst_stream_no_error(h2conn):
    """The server answers (UNIMPLEMENTED) while the client has not finished sending: nghttp2 must
    be told to reset the stream with NO_ERROR, or the client's half stays open forever."""
    stream = h2conn.start_request("/axrpc.v1.Inference/Nope")
    h2conn.send_data(stream, EMPTY_MESSAGE_FRAME, end_stream=False)
    h2conn.wait_response_end(stream)
    assert stream.grpc_status == UNIMPLEMENTED, stream.describe()
    h2conn.wait_until(lambda: stream.reset_code is not None, 5, "RST_STREAM after the early response")
    assert stream.reset_code == NO_ERROR, stream.describe()


@pytest.mark.parametrize("chunk_size", [1, 2, 3])
def test_message_split_over_many_data_frames(protos, h2conn, chunk_size):
    payload = grpc_frame(unknown_field(16))   # a HealthRequest with an unknown field
    stream = h2conn.start_request(HEALTH_PATH)
    assert h2conn.send_data(stream, payload, end_stream=False, chunk_size=chunk_size)
    h2conn.end_stream(stream)   # END_STREAM on a separate, empty DATA frame
    h2conn.wait_response_end(stream)
    assert_health_ok(protos, stream)


def test_two_messages_in_a_unary_call_fail(h2conn):
    stream = h2conn.call(HEALTH_PATH, EMPTY_MESSAGE_FRAME * 2)
    assert stream.grpc_status in (UNIMPLEMENTED, INTERNAL), stream.describe()


def test_no_message_in_a_unary_call_fails(h2conn):
    stream = h2conn.start_request(HEALTH_PATH, end_stream=True)
    h2conn.wait_response_end(stream)
    assert stream.grpc_status in (UNIMPLEMENTED, INTERNAL), stream.describe()


def test_truncated_message_fails(h2conn):
    stream = h2conn.call(HEALTH_PATH, b"\x00\x00\x00\x00\x08abc")
    assert stream.grpc_status in (INTERNAL, UNIMPLEMENTED), stream.describe()


def test_compressed_flag_without_encoding_is_internal(h2conn):
    stream = h2conn.call(HEALTH_PATH, grpc_frame(b"", compressed=True))
    assert stream.grpc_status == INTERNAL, stream.describe()
    assert_printable_message(stream)


def test_unsupported_encoding_is_unimplemented(h2conn):
    stream = h2conn.call(HEALTH_PATH, grpc_frame(b"", compressed=True),
                         extra_headers=[("grpc-encoding", "x-no-such-codec")])
    assert stream.grpc_status == UNIMPLEMENTED, stream.describe()
    source = stream.headers if stream.trailers_only else {**stream.headers, **(stream.trailers or {})}
    assert "grpc-accept-encoding" in source, stream.describe()


def test_binary_metadata_is_accepted(protos, h2conn):
    value = base64.b64encode(b"\x00\x01\x02\xff").decode()
    stream = h2conn.call(HEALTH_PATH, EMPTY_MESSAGE_FRAME,
                         extra_headers=[("x-trace-bin", value.rstrip("=")), ("x-plain", "hello")])
    assert_health_ok(protos, stream)


def test_server_enforces_grpc_timeout(h2conn):
    """No client-side deadline here: only the server can end this WatchHealth."""
    started = time.monotonic()
    stream = h2conn.start_request(WATCH_HEALTH_PATH, extra_headers=[("grpc-timeout", "100m")])
    h2conn.send_data(stream, EMPTY_MESSAGE_FRAME, end_stream=True)
    h2conn.wait_response_end(stream, timeout=10)
    elapsed = time.monotonic() - started
    assert stream.reset_code is None, f"want DEADLINE_EXCEEDED trailers, got a reset: {stream.describe()}"
    assert stream.grpc_status == DEADLINE_EXCEEDED, stream.describe()
    assert 0.09 <= elapsed < 5, elapsed


def test_oversize_message_then_same_connection_serves(protos, h2conn):
    payload = grpc_frame(unknown_field(5 * 1024 * 1024))
    stream = h2conn.start_request(HEALTH_PATH)
    h2conn.send_data(stream, payload, end_stream=True, timeout=60)
    h2conn.wait_response_end(stream, timeout=30)
    assert stream.grpc_status == RESOURCE_EXHAUSTED, stream.describe()
    assert_printable_message(stream)
    assert h2conn.goaway is None and not h2conn.eof
    assert_health_ok(protos, h2conn.call(HEALTH_PATH, EMPTY_MESSAGE_FRAME))


def test_200_concurrent_watch_streams_on_one_connection(protos, h2conn):
    streams = []
    for _ in range(200):
        stream = h2conn.start_request(WATCH_HEALTH_PATH)
        h2conn.send_data(stream, EMPTY_MESSAGE_FRAME, end_stream=True)
        streams.append(stream)

    def first_messages_arrived():
        return all(len(s.data) >= 5 and len(s.data) >= 5 + int.from_bytes(s.data[1:5], "big")
                   for s in streams)

    h2conn.wait_until(first_messages_arrived, 30, "a first WatchHealth message on all 200 streams")
    assert all(s.http_status == 200 and s.reset_code is None and not s.ended for s in streams), \
        [s.describe() for s in streams if s.http_status != 200 or s.reset_code is not None or s.ended][:3]
    for stream in streams:
        h2conn.reset(stream)
    assert_health_ok(protos, h2conn.call(HEALTH_PATH, EMPTY_MESSAGE_FRAME))


def test_cancelled_streams_leave_the_connection_serving(protos, h2conn):
    for _ in range(20):
        stream = h2conn.start_request(WATCH_HEALTH_PATH)
        h2conn.send_data(stream, EMPTY_MESSAGE_FRAME, end_stream=True)
        h2conn.reset(stream)
    assert_health_ok(protos, h2conn.call(HEALTH_PATH, EMPTY_MESSAGE_FRAME))


def test_header_list_limit_is_enforced(protos, server):
    """64 KiB of metadata is beyond any sane limit (the server advertises one; nghttp2 1.52 does
    not enforce it by itself): the request must be refused, not served."""
    with RawH2Connection(server.grpc_addr) as connection:
        big = [(f"x-big-{i}", "v" * 1000) for i in range(64)]
        stream = connection.start_request(HEALTH_PATH, extra_headers=big)
        connection.send_data(stream, EMPTY_MESSAGE_FRAME, end_stream=True)
        try:
            connection.wait_until(lambda: stream.ended or stream.reset_code is not None
                                  or connection.goaway is not None, 10, "the refusal")
        except AssertionError:
            if not connection.eof:
                raise
        refused = (stream.reset_code is not None or connection.goaway is not None or connection.eof
                   or (stream.http_status is not None and stream.http_status >= 400)
                   or stream.grpc_status not in (None, OK))
        assert refused, f"a 64 KiB header list was served: {stream.describe()}"
    # The server itself is fine.
    with RawH2Connection(server.grpc_addr) as connection:
        assert_health_ok(protos, connection.call(HEALTH_PATH, EMPTY_MESSAGE_FRAME))
