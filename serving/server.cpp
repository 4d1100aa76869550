#include "serving/server.h"

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>

#include "base/log.h"
#include "serving/rest.h"

namespace tg::serving {

namespace {

// Requests to the latest version waiting to run as one batch.
class Batcher {
 public:
  Batcher(int timeout_us, int64_t max_rows) : timeout_(timeout_us), max_rows_(max_rows) {}
  ~Batcher() { stop(); }

  std::future<Columns> submit(std::shared_ptr<Predictor> p, Columns c) {
    auto item = std::make_shared<Item>(Item{std::move(p), std::move(c), {}});
    auto f = item->done.get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(item);
    }
    cv_.notify_all();
    return f;
  }
  void start() { worker_ = std::thread([this] { loop(); }); }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

 private:
  struct Item {
    std::shared_ptr<Predictor> predictor;
    Columns columns;
    std::promise<Columns> done;
  };

  void loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_ && queue_.empty()) return;
      // Give concurrent requests a moment to join, then take all of one predictor's that fit.
      auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(timeout_);
      cv_.wait_until(lock, deadline, [&] { return stopping_ || queued_rows() >= max_rows_; });
      std::vector<std::shared_ptr<Item>> batch;
      int64_t rows = 0;
      auto p = queue_.front()->predictor;
      while (!queue_.empty() && queue_.front()->predictor == p &&
             (batch.empty() || rows + rows_of(queue_.front()->columns) <= max_rows_)) {
        rows += rows_of(queue_.front()->columns);
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      lock.unlock();
      run(p, batch);
      lock.lock();
    }
  }

  int64_t queued_rows() const {
    int64_t r = 0;
    for (const auto& i : queue_) r += rows_of(i->columns);
    return r;
  }

  static void run(const std::shared_ptr<Predictor>& p, std::vector<std::shared_ptr<Item>>& batch) {
    try {
      Columns merged;
      if (batch.size() == 1) {
        merged = batch[0]->columns;
      } else {
        int64_t total = 0;
        for (auto& i : batch) total += rows_of(i->columns);
        for (const auto& s : p->inputs()) {
          Tensor t(s.dtype, Shape{total});
          int64_t at = 0;
          for (auto& i : batch) {
            const Tensor& src = i->columns.at(s.name);
            for (int64_t k = 0; k < src.num_elements(); ++k, ++at) {
              if (s.dtype == DType::String) t.data<std::string>()[at] = src.data<std::string>()[k];
              else std::memcpy(static_cast<char*>(t.raw()) + at * static_cast<int64_t>(dtype_size(s.dtype)),
                               static_cast<const char*>(src.raw()) + k * static_cast<int64_t>(dtype_size(s.dtype)),
                               dtype_size(s.dtype));
            }
          }
          merged[s.name] = t;
        }
      }
      Columns out = p->predict(merged);
      int64_t at = 0;
      for (auto& i : batch) {
        int64_t n = rows_of(i->columns);
        Columns mine;
        for (const auto& [name, t] : out) {
          std::vector<int64_t> dims = t.shape().dims();
          int64_t row = t.num_elements() / dims[0];
          dims[0] = n;
          Tensor part(t.dtype(), Shape(dims));
          std::memcpy(part.raw(), static_cast<const char*>(t.raw()) + at * row * static_cast<int64_t>(dtype_size(t.dtype())),
                      static_cast<size_t>(n * row) * dtype_size(t.dtype()));
          mine[name] = part;
        }
        at += n;
        i->done.set_value(std::move(mine));
      }
    } catch (...) {
      for (auto& i : batch) i->done.set_exception(std::current_exception());
    }
  }

  int timeout_;
  int64_t max_rows_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Item>> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

void send_json(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, Json{{"error", message}});
}

}  // namespace

struct ModelServer::State {
  ServerOptions options;
  httplib::Server http;
  Batcher batcher;
  std::mutex mu;
  std::map<int64_t, std::shared_ptr<Predictor>> versions;  // every loaded version
  std::atomic<bool> stopping{false};
  std::thread listener, poller;
  std::condition_variable poll_cv;
  std::mutex stopped_mu;
  std::condition_variable stopped_cv;
  bool stopped = false;
  int port = 0;

  explicit State(ServerOptions o) : options(std::move(o)), batcher(options.batch_timeout_us, options.max_batch_rows) {}

  std::shared_ptr<Predictor> latest() {
    std::lock_guard<std::mutex> lock(mu);
    return versions.empty() ? nullptr : versions.rbegin()->second;
  }

  // Loads versions not seen yet; a version that fails to load is logged and skipped.
  void refresh() {
    for (int64_t v : export_versions(options.export_dir)) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (versions.count(v)) continue;
      }
      try {
        auto p = Predictor::load(options.export_dir + "/" + std::to_string(v));
        std::lock_guard<std::mutex> lock(mu);
        versions[v] = p;
        log_info("serving version ", v, " of model '", options.model_name, "'");
      } catch (const std::exception& e) {
        log_warn("cannot load version ", v, ": ", e.what());
      }
    }
  }

  std::shared_ptr<Predictor> resolve(const std::string& version, httplib::Response& res) {
    if (version.empty()) {
      auto p = latest();
      if (!p) send_error(res, 503, "no version of model '" + options.model_name + "' is loaded");
      return p;
    }
    std::lock_guard<std::mutex> lock(mu);
    auto it = versions.find(std::stoll(version));
    if (it == versions.end()) send_error(res, 404, "model '" + options.model_name + "' has no version " + version);
    return it == versions.end() ? nullptr : it->second;
  }

  void handle_call(const httplib::Request& req, httplib::Response& res) {
    std::string name = req.matches[1], version = req.matches[2], verb = req.matches[3];
    if (name != options.model_name) return send_error(res, 404, "unknown model '" + name + "'");
    auto p = resolve(version, res);
    if (!p) return;
    Json body;
    try {
      body = Json::parse(req.body);
    } catch (const Json::exception& e) {
      return send_error(res, 400, std::string("malformed JSON: ") + e.what());
    }
    try {
      TG_CHECK(body.is_object(), "the request body must be a JSON object");
      Columns in;
      bool columnar = false;
      if (verb == "predict") {
        TG_CHECK(body.contains("instances") != body.contains("inputs"),
                 "a :predict request needs exactly one of \"instances\" and \"inputs\"");
        columnar = body.contains("inputs");
        in = columnar ? columns_from_inputs(body["inputs"], p->inputs()) : columns_from_instances(body["instances"], p->inputs());
      } else {
        TG_CHECK(body.contains("examples"), "a :", verb, " request needs \"examples\"");
        in = columns_from_examples(body["examples"], p->inputs());
      }
      int64_t rows = rows_of(in);
      TG_CHECK(rows <= options.max_batch_rows, "a batch of ", rows, " rows exceeds the limit of ", options.max_batch_rows);
      Columns out = version.empty() ? batcher.submit(p, std::move(in)).get() : p->predict(in);
      if (verb == "predict")
        return send_json(res, 200, columnar ? Json{{"outputs", columns_json(out, p->outputs())}}
                                            : Json{{"predictions", rows_json(out, p->outputs())}});
      if (verb == "regress") return send_json(res, 200, Json{{"results", regress_json(out)}});
      auto labels = p->metadata().value("label_vocabulary", std::vector<std::string>{});
      return send_json(res, 200, Json{{"results", classify_json(out, labels)}});
    } catch (const std::exception& e) {
      return send_error(res, 400, e.what());
    }
  }

  void routes() {
    http.Get(R"(/v1/models/([^/:]+))", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.matches[1] != options.model_name) return send_error(res, 404, "unknown model '" + std::string(req.matches[1]) + "'");
      Json status = Json::array();
      std::lock_guard<std::mutex> lock(mu);
      for (auto it = versions.rbegin(); it != versions.rend(); ++it)
        status.push_back({{"version", std::to_string(it->first)}, {"state", "AVAILABLE"},
                          {"status", {{"error_code", "OK"}, {"error_message", ""}}}});
      send_json(res, 200, Json{{"model_version_status", status}});
    });
    http.Get(R"(/v1/models/([^/:]+)/metadata)", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.matches[1] != options.model_name) return send_error(res, 404, "unknown model '" + std::string(req.matches[1]) + "'");
      auto p = resolve("", res);
      if (!p) return;
      auto specs = [](const std::vector<TensorSpec>& v) {
        Json o = Json::object();
        for (const auto& s : v) o[s.name] = {{"dtype", dtype_name(s.dtype)}, {"shape", s.shape.dims()}};
        return o;
      };
      send_json(res, 200, Json{{"model_spec", {{"name", options.model_name}, {"version", std::to_string(p->version())}}},
                               {"metadata", {{"signature_def", {{"inputs", specs(p->inputs())}, {"outputs", specs(p->outputs())}}},
                                             {"model", p->metadata()}}}});
    });
    http.Post(R"(/v1/models/([^/:]+)(?:/versions/(\d+))?:(predict|regress|classify))",
              [this](const httplib::Request& req, httplib::Response& res) { handle_call(req, res); });
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.body.empty())
        send_error(res, res.status, res.status == 413 ? "the request body exceeds the size limit"
                                                      : res.status == 404 ? "no such endpoint" : "bad request");
    });
    http.set_payload_max_length(options.max_body_bytes);
    http.set_tcp_nodelay(true);  // small JSON replies must not wait for delayed ACKs
  }
};

ModelServer::ModelServer(ServerOptions options) : state_(std::make_unique<State>(std::move(options))) {}
ModelServer::~ModelServer() { stop(); }

int ModelServer::start() {
  State& s = *state_;
  s.refresh();
  TG_CHECK(s.latest() != nullptr, "'", s.options.export_dir, "' holds no loadable version (expected <dir>/<number>/model.json)");
  s.routes();
  s.port = s.options.port == 0 ? s.http.bind_to_any_port(s.options.host) : (s.http.bind_to_port(s.options.host, s.options.port) ? s.options.port : -1);
  TG_CHECK(s.port > 0, "cannot listen on ", s.options.host, ":", s.options.port);
  s.batcher.start();
  s.listener = std::thread([&s] { s.http.listen_after_bind(); });
  s.poller = std::thread([&s] {
    std::mutex m;
    std::unique_lock<std::mutex> lock(m);
    while (!s.stopping) {
      s.poll_cv.wait_for(lock, std::chrono::milliseconds(s.options.poll_ms));
      if (!s.stopping) s.refresh();
    }
  });
  return s.port;
}

void ModelServer::stop() {
  State& s = *state_;
  if (s.stopping.exchange(true)) return;
  s.http.stop();
  s.poll_cv.notify_all();
  if (s.listener.joinable()) s.listener.join();
  if (s.poller.joinable()) s.poller.join();
  s.batcher.stop();
  {
    std::lock_guard<std::mutex> lock(s.stopped_mu);
    s.stopped = true;
  }
  s.stopped_cv.notify_all();
}

void ModelServer::wait() {
  std::unique_lock<std::mutex> lock(state_->stopped_mu);
  state_->stopped_cv.wait(lock, [&] { return state_->stopped; });
}

}  // namespace tg::serving
