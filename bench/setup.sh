#!/bin/sh
# Everything `make bench` needs before bench/run.py: Debian packages, release builds of
# axrpc-server and axllm-emulator (.build-bench), the C++ anchor and client (bench/out/cpp), the
# Python venv (bench/out/venv) and the Python stubs (bench/out/py). Re-running only redoes what changed.
set -eu
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
PYTHON=${PYTHON:-python3}
PACKAGES="libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev nghttp2-client valgrind linux-perf \
g++ pkg-config binutils python3-venv"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "bench: installing Debian packages:$missing"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing
fi

echo "bench: release build of axrpc-server and axllm-emulator (.build-bench)"
$SWIFT build -c release --scratch-path .build-bench --product axrpc-server
$SWIFT build -c release --scratch-path .build-bench --product axllm-emulator

echo "bench: C++ anchor and client (bench/out/cpp)"
bench/build_cpp.sh

VENV=bench/out/venv
if [ ! -f "$VENV/.installed" ] || [ bench/requirements.txt -nt "$VENV/.installed" ]; then
  echo "bench: Python venv ($VENV)"
  $PYTHON -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r bench/requirements.txt
  touch "$VENV/.installed"
fi
if [ ! -f bench/out/py/axrpc/v1/inference_pb2_grpc.py ] || \
   [ proto/axrpc/v1/inference.proto -nt bench/out/py/axrpc/v1/inference_pb2_grpc.py ]; then
  mkdir -p bench/out/py
  "$VENV/bin/python" -m grpc_tools.protoc -Iproto --python_out=bench/out/py --grpc_python_out=bench/out/py \
    proto/axrpc/v1/inference.proto
fi
