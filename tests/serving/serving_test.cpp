// Exports and the REST server: a trained model exported and loaded elsewhere predicts exactly
// what the estimator predicts; the real server on a loopback port answers every endpoint,
// turns every bad request into a 4xx with a JSON error and keeps serving, batches concurrent
// requests, picks up a new version, and stops cleanly on SIGTERM.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "estimator/estimator.h"
#include "graph/ops.h"
#include "serving/predictor.h"
#include "serving/server.h"
#include "tests/test_dirs.h"

namespace tg::serving {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using namespace tg::estimator;

estimator::MemoryData rides(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> z;
  Tensor a(DType::Float32, {n}), b(DType::Float32, {n}), y(DType::Float32, {n}), color(DType::String, {n});
  const char* colors[] = {"yellow", "green"};
  for (int64_t i = 0; i < n; ++i) {
    a.data<float>()[i] = z(rng);
    b.data<float>()[i] = z(rng);
    color.data<std::string>()[i] = colors[i % 2];
    y.data<float>()[i] = 3 * a.data<float>()[i] - b.data<float>()[i] + (i % 2 ? 2.f : 0.f);
  }
  return {{"a", "b", "color", "label"}, {a, b, color, y}};
}

// A DNN over numeric, derived and categorical features, trained briefly and exported.
struct Exported {
  fs::path dir;
  std::unique_ptr<Estimator> est;
  // One directory per process: ctest runs the tests of this file side by side, and one of
  // them adds a version that the others must not see.
  Exported(const std::string& name, int64_t steps) : dir(test::fresh_dir(name)) {
    ModelSpec s;
    s.dnn_columns = {numeric_column("a", Normalizer{0, 1}), numeric_column("b"),
                     derived_column("a_minus_b", {"a", "b"}, [](Graph&, const std::vector<Output>& x) { return x[0] - x[1]; }),
                     embedding_column(categorical_column_with_vocabulary_list("color", {"yellow", "green"}), 2)};
    s.hidden_units = {16};
    s.dnn_optimizer = "adam";
    s.dnn_learning_rate = 0.01;
    RunConfig cfg;
    cfg.log_step_count_steps = 0;
    est = std::make_unique<Estimator>(s, cfg);
    est->train(memory_input(rides(1000, 1), 50, -1, true, 2), steps);
    est->export_model(dir.string());
  }
  ~Exported() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

TEST(Export, LoadedElsewherePredictsExactlyWhatTheEstimatorPredicts) {
  Exported e("tg_export_same", 60);
  auto versions = export_versions(e.dir.string());
  ASSERT_EQ(versions, (std::vector<int64_t>{60}));
  auto p = Predictor::load((e.dir / "60").string());
  MemoryData d = rides(200, 9);
  auto expected = e.est->predict(memory_input(d, 64));
  auto got = p->predict({{"a", d["a"]}, {"b", d["b"]}, {"color", d["color"]}});
  ASSERT_EQ(got.at("predictions").num_elements(), 200);
  for (int64_t i = 0; i < 200; ++i) ASSERT_EQ(got.at("predictions").data<float>()[i], expected[static_cast<size_t>(i)].value);
  EXPECT_EQ(p->task(), "regression");
  EXPECT_EQ(p->metadata()["global_step"], 60);
}

TEST(Export, DamagedExportsAreRejectedWithTheFile) {
  Exported e("tg_export_damaged", 5);
  fs::path v = e.dir / "5";
  std::string vars = (v / "variables.tgc").string();
  std::fstream f(vars, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(40);
  f.put('\x7f');
  f.close();
  try {
    Predictor::load(v.string());
    FAIL();
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("variables.tgc"), std::string::npos) << err.what();
  }
  std::ofstream(v / "model.json") << R"({"format": "tensorgraph-export", "format_version": 1, "graph": [{"name": "x", "op": "NoSuchOp", "inputs": [], "attrs": {}}]})";
  try {
    Predictor::load(v.string());
    FAIL();
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("NoSuchOp"), std::string::npos) << err.what();
  }
}

struct Reply {
  int status;
  Json body;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    exported = std::make_unique<Exported>("tg_server_test", 30);
    ServerOptions o;
    o.model_name = "rides";
    o.export_dir = exported->dir.string();
    o.port = 0;
    o.max_batch_rows = 100;
    o.max_body_bytes = 64 << 10;
    o.poll_ms = 50;
    server = std::make_unique<ModelServer>(o);
    port = server->start();
  }
  void TearDown() override { server->stop(); }

  Reply post(const std::string& path, const std::string& body) {
    httplib::Client c("127.0.0.1", port);
    c.set_tcp_nodelay(true);
    auto r = c.Post(path.c_str(), body, "application/json");
    if (!r) return {-1, {}};
    return {r->status, r->body.empty() ? Json{} : Json::parse(r->body)};
  }
  Reply get(const std::string& path) {
    httplib::Client c("127.0.0.1", port);
    auto r = c.Get(path.c_str());
    if (!r) return {-1, {}};
    return {r->status, Json::parse(r->body)};
  }

  std::unique_ptr<Exported> exported;
  std::unique_ptr<ModelServer> server;
  int port = 0;
};

const char* kRow = R"({"a": 0.5, "b": -1.0, "color": "green"})";

TEST_F(ServerTest, EveryEndpoint) {
  Reply s = get("/v1/models/rides");
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(s.body["model_version_status"][0]["version"], "30");
  EXPECT_EQ(s.body["model_version_status"][0]["state"], "AVAILABLE");
  Reply m = get("/v1/models/rides/metadata");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.body["metadata"]["signature_def"]["inputs"]["color"]["dtype"], "string");
  EXPECT_TRUE(m.body["metadata"]["signature_def"]["outputs"].contains("predictions"));

  Reply rows = post("/v1/models/rides:predict", std::string(R"({"instances": [)") + kRow + "," + kRow + "]}");
  ASSERT_EQ(rows.status, 200) << rows.body;
  ASSERT_EQ(rows.body["predictions"].size(), 2u);
  double v = rows.body["predictions"][0]["predictions"].get<double>();
  Reply cols = post("/v1/models/rides:predict", R"({"inputs": {"a": [0.5], "b": [-1.0], "color": ["green"]}})");
  ASSERT_EQ(cols.status, 200) << cols.body;
  EXPECT_EQ(cols.body["outputs"]["predictions"][0].get<double>(), v);
  Reply reg = post("/v1/models/rides:regress", std::string(R"({"examples": [)") + kRow + "]}");
  ASSERT_EQ(reg.status, 200) << reg.body;
  EXPECT_EQ(reg.body["results"][0].get<double>(), v);
  Reply ver = post("/v1/models/rides/versions/30:predict", std::string(R"({"instances": [)") + kRow + "]}");
  ASSERT_EQ(ver.status, 200) << ver.body;
  // The exported graph applies the feature transformations itself: same answer as in process.
  auto direct = Predictor::load((exported->dir / "30").string())
                    ->predict({{"a", Tensor::from_vector<float>({1}, {0.5f})}, {"b", Tensor::from_vector<float>({1}, {-1.f})},
                               {"color", [] { Tensor t(DType::String, {1}); t.data<std::string>()[0] = "green"; return t; }()}});
  EXPECT_EQ(static_cast<float>(v), direct.at("predictions").data<float>()[0]);
}

TEST_F(ServerTest, BadRequestsGetA4xxAndTheServerGoesOn) {
  struct Case {
    std::string path, body, error;
    int status;
  };
  std::string big(70 << 10, ' ');
  std::string many = R"({"instances": [)";
  for (int i = 0; i < 101; ++i) many += std::string(i ? "," : "") + kRow;
  many += "]}";
  std::vector<Case> cases{
      {"/v1/models/rides:predict", "{not json", "malformed JSON", 400},
      {"/v1/models/rides:predict", R"({"instances": [{"a": 1, "b": 2}]})", "lacks the feature 'color'", 400},
      {"/v1/models/rides:predict", R"({"instances": [{"a": 1, "b": 2, "color": "red", "zz": 1}]})", "unknown feature 'zz'", 400},
      {"/v1/models/rides:predict", R"({"instances": [{"a": "one", "b": 2, "color": "red"}]})", "expected a number", 400},
      {"/v1/models/rides:predict", R"({"inputs": {"a": [1, 2], "b": [1], "color": ["red", "red"]}})", "has 1 values", 400},
      {"/v1/models/rides:predict", R"({"instances": []})", "empty batch", 400},
      {"/v1/models/rides:predict", R"({"rows": []})", "exactly one of", 400},
      {"/v1/models/rides:classify", std::string(R"({"examples": [)") + kRow + "]}", "not a classifier", 400},
      {"/v1/models/other:predict", std::string(R"({"instances": [)") + kRow + "]}", "unknown model 'other'", 404},
      {"/v1/models/rides/versions/7:predict", std::string(R"({"instances": [)") + kRow + "]}", "has no version 7", 404},
      {"/v1/models/rides:predict", "{\"instances\": [" + big + "]}", "size limit", 413},
      {"/v1/models/rides:predict", many, "exceeds the limit of 100", 400},
  };
  for (const auto& c : cases) {
    Reply r = post(c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.path << " " << c.body.substr(0, 60);
    ASSERT_TRUE(r.body.contains("error")) << r.body;
    EXPECT_NE(r.body["error"].get<std::string>().find(c.error), std::string::npos) << r.body;
  }
  EXPECT_EQ(post("/v1/models/rides:predict", std::string(R"({"instances": [)") + kRow + "]}").status, 200);
}

TEST_F(ServerTest, ConcurrentRequestsAreAllAnsweredCorrectly) {
  double expected = post("/v1/models/rides:predict", std::string(R"({"instances": [)") + kRow + "]}").body["predictions"][0]["predictions"];
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        Reply r = post("/v1/models/rides:predict", std::string(R"({"instances": [)") + kRow + "]}");
        if (r.status == 200 && r.body["predictions"][0]["predictions"].get<double>() == expected) ++ok;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 160);
}

TEST_F(ServerTest, PicksUpANewVersionWithoutARestart) {
  // Train further and export again: version 60 appears beside 30.
  exported->est->train(memory_input(rides(1000, 3), 50, -1, true, 4), 30);
  exported->est->export_model(exported->dir.string());
  // A generous deadline, polled: a loaded machine may take a while to load the new version.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && get("/v1/models/rides").body["model_version_status"].size() < 2)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Reply s = get("/v1/models/rides");
  ASSERT_EQ(s.body["model_version_status"].size(), 2u) << s.body;
  EXPECT_EQ(s.body["model_version_status"][0]["version"], "60");
  EXPECT_EQ(get("/v1/models/rides/metadata").body["model_spec"]["version"], "60");
  EXPECT_EQ(post("/v1/models/rides/versions/30:predict", std::string(R"({"instances": [)") + kRow + "]}").status, 200);
}

TEST(ServeProcess, StopsCleanlyOnSigterm) {
  Exported e("tg_serve_process", 5);
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    execl(TG_BINARY, TG_BINARY, "serve", "--model_dir", e.dir.c_str(), "--port", "0", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* f = fdopen(out[0], "r");
  char line[512] = {};
  ASSERT_TRUE(std::fgets(line, sizeof line, f)) << "the server printed nothing";
  std::string s = line;
  int port = std::stoi(s.substr(s.find("127.0.0.1:") + 10));
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get("/v1/models/model");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_TRUE(std::fgets(line, sizeof line, f));
  EXPECT_EQ(std::string(line), "stopped\n");
  fclose(f);
}

}  // namespace
}  // namespace tg::serving
