// The HTTP/1.1 side of the REST server, on Boost.Beast. A few threads run every connection's
// asynchronous reads and writes, so a slow client holds a connection, never a thread:
//   - a request (header and body) must arrive whole within request_timeout_ms of the moment the
//     connection starts waiting for it, or the connection is closed;
//   - a body over max_body_bytes is answered 413, chunked or not, without reading it all;
//   - at most max_connections are open at once; one more is answered 503 and closed;
//   - a complete request goes to a pool of handler threads, which may block (parsing JSON,
//     waiting for the model); requests on one connection, keep-alive or pipelined, are answered
//     in order.
// Every reply the layer makes itself is {"error": "..."} like the handler's.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace tg::serving {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // the target without its query string
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string body;   // JSON
  std::string allow;  // the Allow header of a 405
};

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  size_t max_body_bytes = 16 << 20;
  int request_timeout_ms = 10000;
  int max_connections = 256;
  int io_threads = 2;
  int handler_threads = 8;
};

// Called on a handler thread; an exception becomes a 500.
using HttpHandler = std::function<HttpResponse(HttpRequest&)>;

class HttpServer {
 public:
  HttpServer(HttpOptions options, HttpHandler handler);
  ~HttpServer();
  // Binds, listens and starts the threads; returns the port. Throws tg::Error when it cannot.
  int start();
  // Stops accepting, closes the connections waiting for a request, lets the requests being
  // handled be answered (for a few seconds at most), and joins every thread.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tg::serving
