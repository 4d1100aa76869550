// A REST prediction server with TensorFlow Serving's API over an export directory:
//   GET  /v1/models/NAME                      version status
//   GET  /v1/models/NAME/metadata             the signature
//   POST /v1/models/NAME[/versions/N]:predict {"instances": [...]} or {"inputs": {...}}
//   POST /v1/models/NAME[/versions/N]:regress and :classify  {"examples": [...]}
// Concurrent small requests to the latest version are batched together (waiting at most
// batch_timeout_us), a newer version dropped into the export directory is picked up without
// a restart, and every bad request gets a 4xx with {"error": "..."} while the server goes on.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "serving/predictor.h"

namespace httplib {
class Server;
}

namespace tg::serving {

struct ServerOptions {
  std::string model_name = "model";
  std::string export_dir;
  std::string host = "127.0.0.1";
  int port = 8501;                      // 0: any free port
  int64_t max_batch_rows = 4096;        // larger requests are refused
  int batch_timeout_us = 200;           // how long a request waits for others to batch with
  size_t max_body_bytes = 16 << 20;
  int poll_ms = 500;                    // how often the export directory is checked
};

class ModelServer {
 public:
  explicit ModelServer(ServerOptions options);
  ~ModelServer();
  // Loads the latest version, binds and serves on background threads. Returns the port.
  int start();
  // Stops serving and joins every thread.
  void stop();
  // Blocks until stop() (or the process is asked to stop).
  void wait();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tg::serving
