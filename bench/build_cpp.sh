#!/bin/sh
# Builds the C++ anchor (bench/anchors/cpp/health_server.cc) and the streaming client
# (bench/clients/stream_client.cc) against Debian's grpc++ and protobuf. The stubs are generated
# here, at bench time, into bench/out/cpp/gen (gitignored). Up to date binaries are kept.
set -eu
cd "$(dirname "$0")/.."
OUT=bench/out/cpp
GEN=$OUT/gen
mkdir -p "$GEN"
PROTO=proto/axrpc/v1/inference.proto
if [ ! -f "$GEN/axrpc/v1/inference.grpc.pb.cc" ] || [ "$PROTO" -nt "$GEN/axrpc/v1/inference.grpc.pb.cc" ]; then
  protoc -Iproto --cpp_out="$GEN" --grpc_out="$GEN" --plugin=protoc-gen-grpc="$(command -v grpc_cpp_plugin)" "$PROTO"
fi
CXXFLAGS="-O2 -std=c++17 -I$GEN $(pkg-config --cflags grpc++ protobuf)"
LIBS="$(pkg-config --libs grpc++ protobuf) -lpthread"
compile() { # source object
  if [ ! -f "$2" ] || [ "$1" -nt "$2" ]; then g++ $CXXFLAGS -c "$1" -o "$2"; fi
}
# Two compilers at a time (the machine has 2 cores).
compile "$GEN/axrpc/v1/inference.pb.cc" "$OUT/inference.pb.o" &
compile "$GEN/axrpc/v1/inference.grpc.pb.cc" "$OUT/inference.grpc.pb.o"
wait $!
compile bench/anchors/cpp/health_server.cc "$OUT/health_server.o" &
compile bench/clients/stream_client.cc "$OUT/stream_client.o"
wait $!
g++ -o "$OUT/health_server" "$OUT/health_server.o" "$OUT/inference.pb.o" "$OUT/inference.grpc.pb.o" $LIBS
g++ -o "$OUT/stream_client" "$OUT/stream_client.o" "$OUT/inference.pb.o" "$OUT/inference.grpc.pb.o" $LIBS
echo "built $OUT/health_server $OUT/stream_client"
