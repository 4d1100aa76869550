// A REST prediction server with TensorFlow Serving's API over an export directory:
//   GET  /v1/models/NAME                      version status
//   GET  /v1/models/NAME/metadata             the signature
//   POST /v1/models/NAME[/versions/N]:predict {"instances": [...]} or {"inputs": {...}}
//   POST /v1/models/NAME[/versions/N]:regress and :classify  {"examples": [...]}
// Concurrent small requests to the latest version are batched together (waiting at most
// batch_timeout_us), a newer version dropped into the export directory is picked up without
// a restart, and every bad request gets a 4xx with {"error": "..."} while the server goes on:
// 400 for a body that is not a valid request (malformed or too deeply nested JSON, invalid
// UTF-8, a missing, unknown or mistyped feature, a number out of its dtype's range, a batch
// over max_batch_rows), 404 for an unknown endpoint, model or version, 405 for a wrong method,
// 413 for a body over max_body_bytes. A version that fails to load shows in the status as
// state END with its error, and is tried again only when its files change; a version deleted
// from disk is unloaded. The HTTP layer (serving/http.h) bounds each request's time, each
// body's size and the number of connections.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "predictor.h"

namespace tg::serving {

struct ServerOptions {
  std::string model_name = "model";
  std::string export_dir;
  std::string host = "127.0.0.1";
  int port = 8501;                      // 0: any free port
  int64_t max_batch_rows = 4096;        // larger requests are refused
  int batch_timeout_us = 200;           // how long a request waits for others to batch with
  size_t max_body_bytes = 16 << 20;     // chunked bodies included
  int poll_ms = 500;                    // how often the export directory is checked
  int request_timeout_ms = 10000;       // a request's header and body must arrive within this
  int max_connections = 256;            // open at once; one more is answered 503
  int threads = 8;                      // requests parsed and predicted at once
  int64_t max_model_memory_bytes = int64_t{2048} << 20;  // a version needing more for max_batch_rows is refused
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
  // The latest loaded version (the one requests without a version get); 0 when none is.
  int64_t latest_version() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tg::serving
