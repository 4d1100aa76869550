// Test helpers for the REST server: a raw HTTP/1.1 client over one socket (for what a library
// client hides: pipelining, chunked and slow bodies, keep-alive), a tiny hand-built export, and
// `tg serve` run as a child process.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/file_util.h"
#include "graph/ops.h"
#include "graph/serialize.h"
#include "runtime/checkpoint.h"

namespace tg::test {

// A connected socket to 127.0.0.1:port; closed on destruction.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) close();
    int one = 1;
    if (fd_ >= 0) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Sends everything; false when the peer closed or reset the connection.
  bool send(const std::string& data) {
    size_t at = 0;
    while (at < data.size()) {
      ssize_t n = ::send(fd_, data.data() + at, data.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return false;
      at += static_cast<size_t>(n);
    }
    return true;
  }
  // Whether bytes (or the peer's close) wait to be read, within timeout_ms.
  bool readable(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) > 0;
  }

  struct Response {
    int status = -1;  // -1: the connection closed or nothing came within the timeout
    std::string headers, body;
  };
  // Reads one response (Content-Length framed), keeping what follows it for the next call.
  Response read_response(int timeout_ms = 30000) {
    Response r;
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(timeout_ms)) return r;
    r.headers = buffer_.substr(0, end + 2);
    size_t length = 0;
    std::string lower = r.headers;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto cl = lower.find("content-length:");
    if (cl != std::string::npos) length = std::stoul(lower.substr(cl + 15));
    while (buffer_.size() < end + 4 + length)
      if (!fill(timeout_ms)) return r;
    r.status = std::stoi(r.headers.substr(r.headers.find(' ') + 1, 3));
    r.body = buffer_.substr(end + 4, length);
    buffer_.erase(0, end + 4 + length);
    return r;
  }
  // True when the server closed the connection (EOF or reset) within timeout_ms.
  bool closed_by_peer(int timeout_ms) {
    while (readable(timeout_ms)) {
      char b[4096];
      ssize_t n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0) return true;
      buffer_.append(b, static_cast<size_t>(n));
    }
    return false;
  }

 private:
  bool fill(int timeout_ms) {
    if (!readable(timeout_ms)) return false;
    char b[65536];
    ssize_t n = ::recv(fd_, b, sizeof b, 0);
    if (n <= 0) return false;
    buffer_.append(b, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

inline std::string http_post(const std::string& path, const std::string& body, bool keep_alive = true) {
  return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + (keep_alive ? "" : "\r\nConnection: close") + "\r\n\r\n" + body;
}
inline std::string http_get(const std::string& path) { return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n"; }

// One request on a fresh connection.
inline RawClient::Response roundtrip(int port, const std::string& request, int timeout_ms = 30000) {
  RawClient c(port);
  if (!c.ok() || !c.send(request)) return {};
  return c.read_response(timeout_ms);
}

// A small export written by hand: predictions = x * 2 + k, with x float32 and k int32.
inline void write_tiny_export(const std::filesystem::path& dir, int64_t version) {
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {-1}, "x");
  Output k = ops::placeholder(g, DType::Int32, {-1}, "k");
  Output y = ops::add(ops::mul(x, ops::scalar(g, 2)), ops::cast(k, DType::Float32), "predictions");
  nlohmann::json model{
      {"format", "tensorgraph-export"},
      {"format_version", 1},
      {"signature",
       {{"inputs", {{{"name", "x"}, {"node", "x"}, {"dtype", "float32"}, {"shape", {-1}}},
                    {{"name", "k"}, {"node", "k"}, {"dtype", "int32"}, {"shape", {-1}}}}},
        {"outputs", {{{"name", "predictions"}, {"node", y.name()}, {"dtype", "float32"}, {"shape", {-1}}}}}}},
      {"metadata", {{"task", "regression"}, {"global_step", version}}},
      {"graph", serialize_graph({y})}};
  std::filesystem::path v = dir / std::to_string(version);
  std::filesystem::create_directories(v);
  std::ofstream(v / "model.json") << model.dump();
  Session s(g);
  save_checkpoint(s, {}, (v / "variables.tgc").string());
}

// `tg serve` as a child process on a free port; killed (if still running) on destruction.
class ServeProcess {
 public:
  explicit ServeProcess(std::vector<std::string> args) {
    int out[2];
    if (::pipe(out) != 0) return;
    args.insert(args.begin(), {TG_BINARY, "serve", "--port", "0"});
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(TG_BINARY, argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = ::fdopen(out[0], "r");
    char line[512] = {};
    if (!std::fgets(line, sizeof line, out_)) return;
    first_line_ = line;
    auto at = first_line_.find("127.0.0.1:");
    if (at != std::string::npos) port_ = std::stoi(first_line_.substr(at + 10));
  }
  ~ServeProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_) std::fclose(out_);
  }
  int port() const { return port_; }
  const std::string& first_line() const { return first_line_; }  // "serving model ... at http://..."
  pid_t pid() const { return pid_; }
  // The peak resident memory so far (VmHWM of /proc/PID/status), in kB.
  int64_t peak_rss_kb() const {
    std::ifstream f("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(f, line))
      if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
    return -1;
  }
  // Waits for the process to exit, up to timeout; its wait status, or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = -1;
  int port_ = -1;
  std::string first_line_;
  FILE* out_ = nullptr;
  bool exited_ = false;
};

}  // namespace tg::test
