#include "serving/server.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <thread>

#include "base/log.h"
#include "serving/http.h"
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

HttpResponse reply(int status, const Json& body) { return {status, dump_reply(body), ""}; }
HttpResponse error(int status, std::string_view message) { return {status, error_body(message), ""}; }

// What a version's files looked like when it was last tried: a failed version is tried again
// only when they change.
struct FileStamp {
  std::filesystem::file_time_type model_time, vars_time;
  uintmax_t model_size = 0, vars_size = 0;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  FileStamp s;
  s.model_time = fs::last_write_time(dir + "/model.json", ec);
  s.model_size = fs::file_size(dir + "/model.json", ec);
  s.vars_time = fs::last_write_time(dir + "/variables.tgc", ec);
  s.vars_size = fs::file_size(dir + "/variables.tgc", ec);
  return s;
}

struct Version {
  std::shared_ptr<Predictor> predictor;  // null when it failed to load
  std::string error_code, error_message;
  FileStamp stamp;
};

}  // namespace

struct ModelServer::State {
  ServerOptions options;
  Batcher batcher;
  std::unique_ptr<HttpServer> http;
  std::mutex mu;
  std::map<int64_t, Version> versions;  // every version seen on disk, loaded or not
  std::atomic<bool> stopping{false};
  std::thread poller;
  std::mutex poll_mu;
  std::condition_variable poll_cv;
  std::mutex stopped_mu;
  std::condition_variable stopped_cv;
  bool stopped = false;

  explicit State(ServerOptions o) : options(std::move(o)), batcher(options.batch_timeout_us, options.max_batch_rows) {}

  std::shared_ptr<Predictor> latest() {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = versions.rbegin(); it != versions.rend(); ++it)
      if (it->second.predictor) return it->second.predictor;
    return nullptr;
  }

  // Loads new versions and failed ones whose files changed; unloads versions deleted from disk.
  void refresh() {
    std::vector<int64_t> present = export_versions(options.export_dir);
    LoadOptions limits;
    limits.max_batch_rows = options.max_batch_rows;
    limits.max_memory_bytes = options.max_model_memory_bytes;
    for (int64_t v : present) {
      std::string dir = options.export_dir + "/" + std::to_string(v);
      FileStamp stamp = stamp_of(dir);
      {
        std::lock_guard<std::mutex> lock(mu);
        auto it = versions.find(v);
        if (it != versions.end() && (it->second.predictor || it->second.stamp == stamp)) continue;
      }
      Version loaded{nullptr, "", "", stamp};
      try {
        loaded.predictor = Predictor::load(dir, limits);
        log_info("serving version ", v, " of model '", options.model_name, "'");
      } catch (const Error& e) {
        loaded.error_code = "INVALID_ARGUMENT";
        loaded.error_message = e.what();
      } catch (const std::exception& e) {
        loaded.error_code = "UNKNOWN";
        loaded.error_message = e.what();
      }
      if (!loaded.predictor)
        log_warn("cannot load version ", v, " (tried again when its files change): ", clip(loaded.error_message, 1000));
      std::lock_guard<std::mutex> lock(mu);
      versions[v] = std::move(loaded);
    }
    // An empty listing may be a passing failure to read the directory: nothing is unloaded then.
    std::vector<Version> gone;  // destroyed outside the lock
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = versions.begin(); it != versions.end() && !present.empty();) {
      if (std::binary_search(present.begin(), present.end(), it->first)) {
        ++it;
        continue;
      }
      log_info("version ", it->first, " of model '", options.model_name, "' is gone from disk: unloaded");
      gone.push_back(std::move(it->second));
      it = versions.erase(it);
    }
  }

  HttpResponse unknown_model(std::string_view name) { return error(404, cat("unknown model '", clip(name), "'")); }

  HttpResponse status() {
    Json list = Json::array();
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
      const Version& v = it->second;
      list.push_back({{"version", std::to_string(it->first)}, {"state", v.predictor ? "AVAILABLE" : "END"},
                      {"status", {{"error_code", v.predictor ? "OK" : v.error_code},
                                  {"error_message", clip(v.error_message, 1000)}}}});
    }
    return reply(200, Json{{"model_version_status", list}});
  }

  HttpResponse metadata() {
    auto p = latest();
    if (!p) return error(503, "no version of model '" + options.model_name + "' is loaded");
    auto specs = [](const std::vector<TensorSpec>& v) {
      Json o = Json::object();
      for (const auto& s : v) o[s.name] = {{"dtype", dtype_name(s.dtype)}, {"shape", s.shape.dims()}};
      return o;
    };
    return reply(200, Json{{"model_spec", {{"name", options.model_name}, {"version", std::to_string(p->version())}}},
                           {"metadata", {{"signature_def", {{"inputs", specs(p->inputs())}, {"outputs", specs(p->outputs())}}},
                                         {"model", p->metadata()}}}});
  }

  HttpResponse call(std::string_view version, const std::string& verb, const std::string& text) {
    std::shared_ptr<Predictor> p;
    if (version.empty()) {
      p = latest();
      if (!p) return error(503, "no version of model '" + options.model_name + "' is loaded");
    } else {
      // Digits that overflow int64 name no version, as any other absent one.
      int64_t v = -1;
      auto [end, ec] = std::from_chars(version.data(), version.data() + version.size(), v);
      std::lock_guard<std::mutex> lock(mu);
      auto it = ec == std::errc() && end == version.data() + version.size() ? versions.find(v) : versions.end();
      if (it == versions.end()) return error(404, cat("model '", options.model_name, "' has no version ", clip(version)));
      if (!it->second.predictor)
        return error(404, cat("version ", v, " of model '", options.model_name, "' failed to load: ", it->second.error_message));
      p = it->second.predictor;
    }
    try {
      Json body = parse_request_body(text);
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
        return reply(200, columnar ? Json{{"outputs", columns_json(out, p->outputs())}}
                                   : Json{{"predictions", rows_json(out, p->outputs())}});
      if (verb == "regress") return reply(200, Json{{"results", regress_json(out)}});
      auto labels = p->metadata().value("label_vocabulary", std::vector<std::string>{});
      return reply(200, Json{{"results", classify_json(out, labels)}});
    } catch (const Error& e) {
      return error(error_code_info(e.code()).http_status, e.what());
    } catch (const Json::exception& e) {
      return error(400, e.what());
    }
  }

  // /v1/models/NAME, /v1/models/NAME/metadata (GET); /v1/models/NAME[/versions/N]:VERB (POST).
  HttpResponse handle(HttpRequest& req) {
    constexpr std::string_view prefix = "/v1/models/", versions_prefix = "/versions/";
    std::string_view path = req.path;
    if (path.substr(0, prefix.size()) != prefix) return error(404, "no such endpoint");
    path.remove_prefix(prefix.size());
    size_t colon = path.find(':');
    std::string_view rest = path.substr(0, colon), name = rest.substr(0, rest.find('/')), tail = rest.substr(name.size());
    if (name.empty()) return error(404, "no such endpoint");
    if (colon == std::string_view::npos) {
      if (!tail.empty() && tail != "/metadata") return error(404, "no such endpoint");
      if (req.method != "GET") return {405, error_body(cat(req.method, " is not allowed here: use GET")), "GET"};
      if (name != options.model_name) return unknown_model(name);
      return tail.empty() ? status() : metadata();
    }
    std::string verb(path.substr(colon + 1)), version;
    if (!tail.empty()) {
      if (tail.substr(0, versions_prefix.size()) != versions_prefix) return error(404, "no such endpoint");
      std::string_view digits = tail.substr(versions_prefix.size());
      if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return error(404, "no such endpoint");
      version = digits;
    }
    if (verb != "predict" && verb != "regress" && verb != "classify") return error(404, "no such endpoint");
    if (req.method != "POST") return {405, error_body(cat(clip(req.method), " is not allowed here: use POST")), "POST"};
    if (name != options.model_name) return unknown_model(name);
    return call(version, verb, req.body);
  }
};

ModelServer::ModelServer(ServerOptions options) : state_(std::make_unique<State>(std::move(options))) {}
ModelServer::~ModelServer() { stop(); }

int ModelServer::start() {
  State& s = *state_;
  s.refresh();
  TG_CHECK(s.latest() != nullptr, "'", s.options.export_dir, "' holds no loadable version (expected <dir>/<number>/model.json)");
  HttpOptions h;
  h.host = s.options.host;
  h.port = s.options.port;
  h.max_body_bytes = s.options.max_body_bytes;
  h.request_timeout_ms = s.options.request_timeout_ms;
  h.max_connections = s.options.max_connections;
  h.handler_threads = s.options.threads;
  s.http = std::make_unique<HttpServer>(h, [&s](HttpRequest& r) { return s.handle(r); });
  s.batcher.start();
  int port = s.http->start();
  s.poller = std::thread([&s] {
    std::unique_lock<std::mutex> lock(s.poll_mu);
    while (!s.poll_cv.wait_for(lock, std::chrono::milliseconds(s.options.poll_ms), [&] { return s.stopping.load(); })) {
      lock.unlock();
      s.refresh();
      lock.lock();
    }
  });
  return port;
}

void ModelServer::stop() {
  State& s = *state_;
  if (s.stopping.exchange(true)) return;
  {
    std::lock_guard<std::mutex> lock(s.poll_mu);  // the poller is waiting or refreshing, not between
  }
  s.poll_cv.notify_all();
  if (s.http) s.http->stop();  // requests being handled are answered first: the batcher still runs
  if (s.poller.joinable()) s.poller.join();
  s.batcher.stop();
  {
    std::lock_guard<std::mutex> lock(s.stopped_mu);
    s.stopped = true;
  }
  s.stopped_cv.notify_all();
}

int64_t ModelServer::latest_version() const {
  auto p = state_->latest();
  return p ? p->version() : 0;
}

void ModelServer::wait() {
  std::unique_lock<std::mutex> lock(state_->stopped_mu);
  state_->stopped_cv.wait(lock, [&] { return state_->stopped; });
}

}  // namespace tg::serving
