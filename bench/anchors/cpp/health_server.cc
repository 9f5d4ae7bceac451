// The C++ anchor of `make bench`: grpc++ (Debian 1.51, callback API) serving the same
// axrpc.v1.Inference contract as axrpc-server, for Health (unary) and WatchHealth (server
// streaming) only; every other method answers UNIMPLEMENTED (the generated base class does that).
//
//   health_server [--host 127.0.0.1] [--port 0]
// prints "health_server listening grpc=HOST:PORT" on stderr once it accepts calls; SIGTERM/SIGINT exit 0.
//
// The stubs are generated at bench time into bench/out/ (protoc --cpp_out --grpc_out); never committed.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unistd.h>

#include "axrpc/v1/inference.grpc.pb.h"

namespace {

using axrpc::v1::HealthRequest;
using axrpc::v1::HealthResponse;

const auto kStarted = std::chrono::steady_clock::now();

// The same fields and values axrpc-server 0.1.0 answers with `--no-runtime` (34 bytes).
void Fill(HealthResponse* response) {
  response->set_status(axrpc::v1::SERVING_STATUS_NOT_SERVING);
  response->set_runtime_state(axrpc::v1::RUNTIME_STATE_STOPPED);
  response->set_uptime_seconds(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - kStarted).count()));
  response->set_last_error("no runtime attached");
  response->set_version("0.1.0");
}

class InferenceAnchor final : public axrpc::v1::Inference::CallbackService {
  grpc::ServerUnaryReactor* Health(grpc::CallbackServerContext* context, const HealthRequest*,
                                   HealthResponse* response) override {
    Fill(response);
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  // The current state at once, then nothing (it never changes) until the client goes away.
  grpc::ServerWriteReactor<HealthResponse>* WatchHealth(grpc::CallbackServerContext*, const HealthRequest*) override {
    class Watch final : public grpc::ServerWriteReactor<HealthResponse> {
     public:
      Watch() {
        Fill(&current_);
        StartWrite(&current_);
      }
      void OnWriteDone(bool) override {}
      void OnCancel() override {
        if (!finished_.exchange(true)) Finish(grpc::Status::CANCELLED);
      }
      void OnDone() override { delete this; }

     private:
      HealthResponse current_;
      std::atomic<bool> finished_{false};
    };
    return new Watch();
  }
};

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--host") == 0) host = argv[i + 1];
    else if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
    else { std::fprintf(stderr, "unknown flag %s\n", argv[i]); return 2; }
  }
  InferenceAnchor service;
  grpc::ServerBuilder builder;
  int selected = 0;
  builder.AddListeningPort(host + ":" + std::to_string(port), grpc::InsecureServerCredentials(), &selected);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || selected == 0) { std::fprintf(stderr, "cannot listen on %s:%d\n", host.c_str(), port); return 1; }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::fprintf(stderr, "health_server listening grpc=%s:%d\n", host.c_str(), selected);
  std::fflush(stderr);
  while (!g_stop) usleep(20000);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  return 0;
}
