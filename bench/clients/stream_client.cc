// The streaming client of `make bench` (figures 2, 3 and 7-9): runs CALLS sequential generations and
// prints one JSON line per call with what a client observes.
//
//   stream_client grpc   HOST:PORT CALLS PROMPT   Generate over gRPC (grpc++ sync API, one channel)
//   stream_client direct HOST:PORT CALLS PROMPT   the runtime protocol itself (HTTP/1.1 keep-alive):
//       POST /api/reset {} ; POST /api/generate (retried on 400 "llm is running" with the bridge's
//       backoff) ; GET /api/generate_provider again at once after text, after --poll-sleep-us when
//       empty ; the empty <think></think> prefix is held back and stripped like the bridge does.
//
// Per call: {"ok", "first_ms" (call start -> first delivered text), "last_ms" (-> last text),
//            "done_ms" (-> end of the call), "bytes", "deltas", "polls"}.
// Times are steady_clock milliseconds from the start of the call (before the RPC / the reset).
// With --times (figure 8) also "text_unix_ms"/"text_bytes": the wall-clock time (system_clock, ms
// since the epoch, comparable with the emulator's own records on the same host) and size of every
// text arrival: each gRPC delta, or each non-empty poll of the runtime before the think-prefix
// stripping, so that arrivals can be matched to the chunks the runtime queued.
#include <grpcpp/grpcpp.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "axrpc/v1/inference.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct CallResult {
  bool ok = false;
  double first_ms = -1, last_ms = -1, done_ms = -1;
  size_t bytes = 0, deltas = 0, polls = 0;
  std::string error;
  std::vector<double> text_unix_ms;
  std::vector<size_t> text_bytes;
  void Arrived(size_t size) {
    text_unix_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count());
    text_bytes.push_back(size);
  }
};

bool g_times = false;
// --gap-ms (figure 7): the pause between two calls, so that each arrives at an idle server.
int g_gap_ms = 0;

void Gap(int call) {
  if (call > 0 && g_gap_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(g_gap_ms));
}

std::string JsonEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') { out += '\\'; out += c; }
    else if (static_cast<unsigned char>(c) < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", c); out += b; }
    else out += c;
  }
  return out;
}

void Print(const CallResult& r) {
  std::string times;
  if (g_times) {
    times = ",\"text_unix_ms\":[";
    for (size_t i = 0; i < r.text_unix_ms.size(); ++i) {
      char b[32];
      std::snprintf(b, sizeof b, "%s%.3f", i ? "," : "", r.text_unix_ms[i]);
      times += b;
    }
    times += "],\"text_bytes\":[";
    for (size_t i = 0; i < r.text_bytes.size(); ++i) times += (i ? "," : "") + std::to_string(r.text_bytes[i]);
    times += "]";
  }
  std::printf("{\"ok\":%s,\"first_ms\":%.3f,\"last_ms\":%.3f,\"done_ms\":%.3f,\"bytes\":%zu,\"deltas\":%zu,"
              "\"polls\":%zu,\"error\":\"%s\"%s}\n",
              r.ok ? "true" : "false", r.first_ms, r.last_ms, r.done_ms, r.bytes, r.deltas, r.polls,
              JsonEscape(r.error).c_str(), times.c_str());
  std::fflush(stdout);
}

// ---------------------------------------------------------------- gRPC

void RunGrpc(const std::string& target, int calls, const std::string& prompt) {
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  auto stub = axrpc::v1::Inference::NewStub(channel);
  channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
  for (int i = 0; i < calls; ++i) {
    Gap(i);
    CallResult r;
    axrpc::v1::GenerateRequest request;
    request.set_prompt(prompt);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    const auto start = Clock::now();
    auto reader = stub->Generate(&context, request);
    axrpc::v1::GenerationEvent event;
    bool done = false;
    while (reader->Read(&event)) {
      if (event.has_done()) { done = true; continue; }
      if (event.event_case() == axrpc::v1::GenerationEvent::kDelta) {
        const double now = MsSince(start);
        if (g_times) r.Arrived(event.delta().size());
        if (r.first_ms < 0) r.first_ms = now;
        r.last_ms = now;
        r.bytes += event.delta().size();
        r.deltas += 1;
      }
    }
    grpc::Status status = reader->Finish();
    r.done_ms = MsSince(start);
    r.ok = status.ok() && done;
    if (!status.ok()) r.error = std::to_string(status.error_code()) + " " + status.error_message();
    Print(r);
  }
}

// ---------------------------------------------------------------- the runtime protocol, directly

class Http {
 public:
  Http(std::string host, int port) : host_(std::move(host)), port_(port) {}
  ~Http() { Close(); }

  // One exchange; returns the status (0 on transport failure) and fills body.
  int Exchange(const char* method, const char* path, const std::string& payload, std::string* body) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !Connect()) return 0;
      std::string request = std::string(method) + " " + path + " HTTP/1.1\r\nHost: " + host_ + "\r\n";
      if (!payload.empty() || std::strcmp(method, "POST") == 0) {
        request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(payload.size()) + "\r\n";
      }
      request += "\r\n" + payload;
      bool fresh = fresh_;
      fresh_ = false;
      if (!SendAll(request)) { Close(); if (fresh) return 0; continue; }
      int status = ReadResponse(body);
      if (status == 0) { Close(); if (fresh) return 0; continue; }  // the server closed an idle keep-alive
      return status;
    }
    return 0;
  }

 private:
  bool Connect() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port_));
    inet_pton(AF_INET, host_.c_str(), &address.sin_addr);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) { Close(); return false; }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    buffer_.clear();
    fresh_ = true;
    return true;
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    buffer_.clear();
  }
  bool SendAll(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  bool Fill() {
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  int ReadResponse(std::string* body) {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return 0;
    }
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    int status = std::atoi(head.c_str() + 9);
    size_t length = 0;
    bool close_after = false;
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t at = head.find("content-length:");
    if (at != std::string::npos) length = std::strtoul(head.c_str() + at + 15, nullptr, 10);
    if (head.find("connection: close") != std::string::npos) close_after = true;
    while (buffer_.size() < length) {
      if (!Fill()) return 0;
    }
    body->assign(buffer_, 0, length);
    buffer_.erase(0, length);
    if (close_after) Close();
    return status;
  }

  std::string host_;
  int port_;
  int fd_ = -1;
  bool fresh_ = false;
  std::string buffer_;
};

// {"done":<bool>,"response":"<text>"} as the runtime writes it.
bool ParseProvider(const std::string& body, bool* done, std::string* text) {
  size_t d = body.find("\"done\":");
  size_t r = body.find("\"response\":\"");
  if (d == std::string::npos || r == std::string::npos) return false;
  *done = body.compare(d + 7, 4, "true") == 0;
  text->clear();
  for (size_t i = r + 12; i < body.size(); ++i) {
    char c = body[i];
    if (c == '"') return true;
    if (c != '\\') { *text += c; continue; }
    if (++i >= body.size()) return false;
    switch (body[i]) {
      case 'n': *text += '\n'; break;
      case 't': *text += '\t'; break;
      case 'r': *text += '\r'; break;
      case 'b': *text += '\b'; break;
      case 'f': *text += '\f'; break;
      case 'u': {
        unsigned code = std::strtoul(body.substr(i + 1, 4).c_str(), nullptr, 16);
        i += 4;
        if (code >= 0xD800 && code < 0xDC00 && body.compare(i + 1, 2, "\\u") == 0) {
          unsigned low = std::strtoul(body.substr(i + 3, 4).c_str(), nullptr, 16);
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
        if (code < 0x80) *text += static_cast<char>(code);
        else if (code < 0x800) { *text += static_cast<char>(0xC0 | (code >> 6)); *text += static_cast<char>(0x80 | (code & 0x3F)); }
        else if (code < 0x10000) {
          *text += static_cast<char>(0xE0 | (code >> 12)); *text += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
          *text += static_cast<char>(0x80 | (code & 0x3F));
        } else {
          *text += static_cast<char>(0xF0 | (code >> 18)); *text += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
          *text += static_cast<char>(0x80 | ((code >> 6) & 0x3F)); *text += static_cast<char>(0x80 | (code & 0x3F));
        }
        break;
      }
      default: *text += body[i];
    }
  }
  return false;
}

// The bridge's rule: hold the start of the reply back while it may still be "<think>\s*</think>\s*".
class PrefixStripper {
 public:
  std::string Feed(const std::string& text) {
    if (!deciding_) return text;
    held_ += text;
    const std::string open = "<think>", close = "</think>";
    if (held_.size() < open.size()) return open.compare(0, held_.size(), held_) == 0 ? "" : Release();
    if (held_.compare(0, open.size(), open) != 0) return Release();
    size_t i = Skip(open.size());
    if (i >= held_.size()) return "";
    std::string rest = held_.substr(i);
    if (rest.size() < close.size()) return close.compare(0, rest.size(), rest) == 0 ? "" : Release();
    if (rest.compare(0, close.size(), close) != 0) return Release();
    i = Skip(i + close.size());
    if (i >= held_.size()) return "";
    deciding_ = false;
    std::string out = held_.substr(i);
    held_.clear();
    return out;
  }

 private:
  size_t Skip(size_t i) const {
    while (i < held_.size() && (held_[i] == ' ' || held_[i] == '\n' || held_[i] == '\r' || held_[i] == '\t')) ++i;
    return i;
  }
  std::string Release() {
    deciding_ = false;
    std::string out;
    out.swap(held_);
    return out;
  }
  bool deciding_ = true;
  std::string held_;
};

void RunDirect(const std::string& target, int calls, const std::string& prompt, int poll_sleep_us) {
  const size_t colon = target.rfind(':');
  Http http(target.substr(0, colon), std::atoi(target.c_str() + colon + 1));
  // The bridge's busy-retry schedule (BridgeTuning.busyRetryDelays), in ms.
  std::vector<int> retry = {10, 20, 30, 40, 50, 50, 75, 100, 100, 150};
  for (int i = 0; i < 17; ++i) retry.push_back(200);
  std::string escaped = JsonEscape(prompt);
  const std::string generate = "{\"prompt\":\"" + escaped +
                               "\",\"temperature\":0.0,\"top-k\":1,\"top-p\":0.0,\"repetition_penalty\":1.0}";
  for (int c = 0; c < calls; ++c) {
    Gap(c);
    CallResult r;
    std::string body;
    const auto start = Clock::now();
    int status = http.Exchange("POST", "/api/reset", "{}", &body);
    if (status != 200) { r.error = "reset " + std::to_string(status); r.done_ms = MsSince(start); Print(r); continue; }
    size_t attempt = 0;
    while ((status = http.Exchange("POST", "/api/generate", generate, &body)) == 400 &&
           body.find("llm is running") != std::string::npos && attempt < retry.size()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(retry[attempt++]));
    }
    if (status != 200) { r.error = "generate " + std::to_string(status); r.done_ms = MsSince(start); Print(r); continue; }
    PrefixStripper stripper;
    bool saw_running = false;
    const auto accepted = Clock::now();
    while (true) {
      status = http.Exchange("GET", "/api/generate_provider", "", &body);
      bool done = false;
      std::string text;
      if (status != 200 || !ParseProvider(body, &done, &text)) { r.error = "poll " + std::to_string(status); break; }
      r.polls += 1;
      if (!text.empty()) {
        if (g_times) r.Arrived(text.size());
        saw_running = true;
        std::string out = stripper.Feed(text);
        if (!out.empty()) {
          const double now = MsSince(start);
          if (r.first_ms < 0) r.first_ms = now;
          r.last_ms = now;
          r.bytes += out.size();
          r.deltas += 1;
        }
      }
      if (!done) saw_running = true;
      else if (saw_running || MsSince(accepted) > 1000) { r.ok = true; break; }
      if (text.empty() && poll_sleep_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(poll_sleep_us));
    }
    r.done_ms = MsSince(start);
    Print(r);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s grpc|direct HOST:PORT CALLS PROMPT [--poll-sleep-us N] [--times] [--gap-ms N]\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1], target = argv[2], prompt = argv[4];
  const int calls = std::atoi(argv[3]);
  int poll_sleep_us = 1000;
  for (int i = 5; i < argc; ++i) {
    if (std::strcmp(argv[i], "--times") == 0) g_times = true;
    else if (std::strcmp(argv[i], "--poll-sleep-us") == 0 && i + 1 < argc) poll_sleep_us = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--gap-ms") == 0 && i + 1 < argc) g_gap_ms = std::atoi(argv[++i]);
  }
  if (mode == "grpc") RunGrpc(target, calls, prompt);
  else if (mode == "direct") RunDirect(target, calls, prompt, poll_sleep_us);
  else { std::fprintf(stderr, "unknown mode %s\n", mode.c_str()); return 2; }
  return 0;
}
