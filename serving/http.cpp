#include "serving/http.h"

#include <array>
#include <atomic>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/log.h"
#include "serving/rest.h"

namespace tg::serving {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class HttpConnection;

namespace {

// How long stop() lets the requests being handled finish and be answered.
constexpr auto kStopGrace = std::chrono::seconds(3);
// How long a closing connection reads and drops what the client still sends.
constexpr auto kLinger = std::chrono::seconds(1);

}  // namespace

struct HttpServer::Impl {
  HttpOptions options;
  HttpHandler handler;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable closed;
  std::map<uint64_t, std::weak_ptr<HttpConnection>> open;  // by id, for stop() to close them
  uint64_t next_id = 0;
  // Declared after what connections use: the handlers these destroy may own the last
  // reference to a connection, whose destructor unregisters it.
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::steady_timer retry{ioc};
  std::optional<asio::thread_pool> workers;
  std::vector<std::thread> threads;

  Impl(HttpOptions o, HttpHandler h) : options(std::move(o)), handler(std::move(h)) {}
  std::chrono::milliseconds timeout() const { return std::chrono::milliseconds(options.request_timeout_ms); }
  void accept();
  void refuse(tcp::socket socket);
  HttpResponse handle(HttpRequest& request) noexcept {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      log_warn("request to ", clip(request.path), " failed: ", clip(e.what(), 300));
      return {500, error_body(cat("internal error: ", e.what())), ""};
    } catch (...) {
      return {500, error_body("internal error"), ""};
    }
  }
};

// One client connection. Everything but the handler runs on the connection's strand.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(tcp::socket socket, HttpServer::Impl& server, uint64_t id)
      : stream_(std::move(socket)), server_(server), id_(id) {}
  ~HttpConnection() {
    std::lock_guard<std::mutex> lock(server_.mu);
    server_.open.erase(id_);
    server_.closed.notify_all();
  }
  asio::any_io_executor executor() { return stream_.get_executor(); }

  void read_request() {
    if (server_.stopping) return close();
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);  // chunked bodies included
    parser_->header_limit(16 << 10);
    waiting_ = true;
    // One deadline for the whole request, header and body: a client dripping a byte a
    // second cannot hold the connection longer than this.
    stream_.expires_after(server_.timeout());
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  // On stop(): a connection waiting for a request (or lingering) closes now; one whose request
  // is being handled closes after its answer.
  void stop() {
    if (waiting_) close();
  }

 private:
  void on_header(beast::error_code ec) {
    if (ec) return on_error(ec);
    // curl sends "Expect: 100-continue" with larger bodies and waits a second for this.
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      auto res = std::make_shared<http::response<http::empty_body>>(http::status::continue_, parser_->get().version());
      http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
        if (ec) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_request(ec); });
  }

  void on_request(beast::error_code ec) {
    if (ec) return on_error(ec);
    waiting_ = false;
    stream_.expires_never();
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    std::string_view target(req.target().data(), req.target().size());
    HttpRequest r{std::string(req.method_string()), std::string(target.substr(0, target.find('?'))), std::move(req.body())};
    parser_.reset();
    asio::post(*server_.workers, [self = shared_from_this(), r = std::move(r)]() mutable {
      HttpResponse res = self->server_.handle(r);
      asio::post(self->executor(), [self, res = std::move(res)]() mutable { self->respond(std::move(res), self->keep_alive_); });
    });
  }

  void on_error(beast::error_code ec) {
    waiting_ = false;
    if (ec == http::error::body_limit)
      return respond({413, error_body("the request body exceeds the size limit"), ""}, false);
    if (ec == http::error::header_limit)
      return respond({431, error_body("the request header exceeds the size limit"), ""}, false);
    // A closed connection, a timeout or a socket error ends it; a malformed request is told.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec.category() != beast::error_code(http::error::bad_target).category())
      return close();
    respond({400, error_body(cat("bad request: ", ec.message())), ""}, false);
  }

  void respond(HttpResponse r, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), version_);
    res->set(http::field::content_type, "application/json");
    if (!r.allow.empty()) res->set(http::field::allow, r.allow);
    res->keep_alive(keep_alive && !server_.stopping);
    res->body() = std::move(r.body);
    res->prepare_payload();
    stream_.expires_after(server_.timeout());  // a client that does not read its answer is dropped too
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec) return self->close();
      if (res->keep_alive()) return self->read_request();  // pipelined bytes wait in buffer_
      self->linger();
    });
  }

  // Closing a socket with unread bytes resets the connection, and the reset may destroy the
  // answer before the client reads it: send FIN, then drop what the client still sends (the
  // rest of a refused body) until it closes, for a second at most.
  void linger() {
    if (server_.stopping) return close();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    waiting_ = true;
    stream_.expires_after(kLinger);
    drain();
  }
  void drain() {
    stream_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 4096> scratch_;
  HttpServer::Impl& server_;
  uint64_t id_;
  bool waiting_ = false;  // for a request, or lingering: stop() may close it
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

void HttpServer::Impl::accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping || ec == asio::error::operation_aborted) return;
    if (ec) {  // out of file descriptors, say: try again shortly rather than spin
      log_warn("accepting a connection: ", ec.message());
      retry.expires_after(std::chrono::milliseconds(50));
      retry.async_wait([this](beast::error_code e) {
        if (!e && !stopping) accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // small JSON replies must not wait for delayed ACKs
    std::shared_ptr<HttpConnection> c;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (open.size() < static_cast<size_t>(options.max_connections)) {
        c = std::make_shared<HttpConnection>(std::move(socket), *this, next_id);
        open[next_id++] = c;
      }
    }
    if (c) asio::dispatch(c->executor(), [c] { c->read_request(); });
    else refuse(std::move(socket));
    accept();
  });
}

// Over the connection limit: a 503 if the socket takes it at once, then close.
void HttpServer::Impl::refuse(tcp::socket socket) {
  static const std::string body = error_body("too many connections: try again later");
  static const std::string reply = cat("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n",
                                       "Content-Length: ", body.size(), "\r\nConnection: close\r\n\r\n", body);
  beast::error_code ec;
  socket.non_blocking(true, ec);
  asio::write(socket, asio::buffer(reply), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

HttpServer::HttpServer(HttpOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

int HttpServer::start() {
  Impl& s = *impl_;
  beast::error_code ec;
  tcp::resolver resolver(s.ioc);
  auto found = resolver.resolve(s.options.host, std::to_string(s.options.port), ec);
  TG_CHECK(!ec && !found.empty(), "cannot listen on ", s.options.host, ":", s.options.port, ": ", ec.message());
  tcp::endpoint at = *found.begin();
  s.acceptor.open(at.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(at, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);  // not 5: bursts of clients queue
  TG_CHECK(!ec, "cannot listen on ", s.options.host, ":", s.options.port, ": ", ec.message());
  int port = s.acceptor.local_endpoint().port();
  s.workers.emplace(static_cast<size_t>(std::max(1, s.options.handler_threads)));
  s.accept();
  for (int i = 0; i < std::max(1, s.options.io_threads); ++i)
    s.threads.emplace_back([&s] {
      while (true) {
        try {
          s.ioc.run();
          return;
        } catch (const std::exception& e) {
          log_warn("HTTP thread: ", e.what());
        }
      }
    });
  return port;
}

void HttpServer::stop() {
  Impl& s = *impl_;
  if (s.stopping.exchange(true) || s.threads.empty()) return;
  asio::post(s.ioc, [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
    s.retry.cancel();
  });
  std::vector<std::shared_ptr<HttpConnection>> connections;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    for (auto& [id, w] : s.open)
      if (auto c = w.lock()) connections.push_back(c);
  }
  for (auto& c : connections) asio::post(c->executor(), [c] { c->stop(); });
  connections.clear();
  {
    std::unique_lock<std::mutex> lock(s.mu);
    s.closed.wait_for(lock, kStopGrace, [&] { return s.open.empty(); });
  }
  s.ioc.stop();
  for (auto& t : s.threads) t.join();
  s.workers->join();
}

}  // namespace tg::serving
