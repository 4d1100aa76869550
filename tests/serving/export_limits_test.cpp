// Crafted exports: a model.json nested 100,000 deep, a huge op name, a model whose every run
// would allocate gigabytes. Predictor::load refuses each with an error naming the problem, and
// a server watching the export directory shows the refused version in its status (state END)
// instead of crashing, tries it again only when its files change, and unloads a version
// deleted from disk.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/error.h"
#include "serving/predictor.h"
#include "serving/server.h"
#include "tests/serving/raw_http.h"
#include "tests/test_dirs.h"

namespace tg::serving {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// The message of Predictor::load's error, or "" when it loads.
std::string load_error(const fs::path& dir, const LoadOptions& o = {}) {
  try {
    Predictor::load(dir.string(), o);
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

// A version whose model.json is the tiny export's with `edit` applied to its text.
fs::path crafted(const fs::path& export_dir, int64_t version, const std::function<void(std::string&)>& edit) {
  test::write_tiny_export(export_dir, version);
  fs::path v = export_dir / std::to_string(version);
  std::string text = read_file((v / "model.json").string());
  edit(text);
  std::ofstream(v / "model.json", std::ios::trunc) << text;
  return v;
}

void replace(std::string& text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

fs::path deep_metadata(const fs::path& export_dir, int64_t version) {
  return crafted(export_dir, version, [](std::string& t) {
    replace(t, R"("metadata":{)", R"("metadata":{"deep":)" + std::string(100000, '[') + std::string(100000, ']') + ",");
  });
}

TEST(ExportLimits, DeeplyNestedMetadataIsRefused) {
  auto dir = test::fresh_dir("limits_deep");
  std::string e = load_error(deep_metadata(dir, 1));
  EXPECT_NE(e.find("nested deeper than 64 levels"), std::string::npos) << e;
  EXPECT_NE(e.find("model.json"), std::string::npos) << e;
}

TEST(ExportLimits, HugeNamesAndFilesAreRefused) {
  auto dir = test::fresh_dir("limits_names");
  std::string op_8k(8192, 'M');
  std::string e = load_error(crafted(dir, 1, [&](std::string& t) { replace(t, R"("op":"Mul")", R"("op":")" + op_8k + "\""); }));
  EXPECT_NE(e.find("an op name of 8192 bytes (the limit is 4096)"), std::string::npos) << e.substr(0, 300);
  EXPECT_LT(e.size(), 1000u);
  std::string op_20m(20 << 20, 'M');
  e = load_error(crafted(dir, 2, [&](std::string& t) { replace(t, R"("op":"Mul")", R"("op":")" + op_20m + "\""); }));
  EXPECT_NE(e.find("a JSON string of 20971520 bytes exceeds the limit"), std::string::npos) << e.substr(0, 300);
  EXPECT_LT(e.size(), 1000u);
  LoadOptions small;
  small.max_file_bytes = 100;
  e = load_error(dir / "1", small);
  EXPECT_NE(e.find("over the limit of 100"), std::string::npos) << e.substr(0, 300);
}

TEST(ExportLimits, AModelWhoseRunNeedsTooMuchMemoryIsRefusedNamingTheNode) {
  auto dir = test::fresh_dir("limits_fill");
  // One node: a Fill of 2^30 float32 values as the output, 4 GB on every prediction.
  fs::path v = crafted(dir, 1, [](std::string& t) {
    Json m = Json::parse(t);
    m["graph"] = Json::array({{{"name", "huge"}, {"op", "Fill"}, {"inputs", Json::array()},
                               {"attrs", {{"dtype", {{"dtype", "float32"}}}, {"shape", {{"shape", {int64_t{1} << 30}}}},
                                          {"value", {{"float", 0.0}}}}}}});
    m["signature"]["inputs"] = Json::array({{{"name", "x"}, {"node", "huge"}, {"dtype", "float32"}, {"shape", {-1}}}});
    m["signature"]["outputs"][0]["node"] = "huge";
    t = m.dump();
  });
  std::string e = load_error(v);
  EXPECT_NE(e.find("node 'huge' (Fill, shape [1073741824], 4096 MB)"), std::string::npos) << e;
  EXPECT_NE(e.find("over the limit of 2048 MB"), std::string::npos) << e;
  // The estimate counts unknown batch dimensions at the batch limit: the tiny model fits.
  test::write_tiny_export(dir, 2);
  EXPECT_EQ(load_error(dir / "2"), "");
  const Node* largest = nullptr;
  auto p = Predictor::load((dir / "2").string());
  EXPECT_EQ(estimate_run_bytes(p->graph(), 4096, &largest), 5 * 4 * 4096 + 4);  // x, k, cast, mul, add; the scalar 2
  LoadOptions tight;
  tight.max_memory_bytes = 4096;
  EXPECT_NE(load_error(dir / "2", tight).find("a batch of 4096 rows would need about"), std::string::npos);
}

// A server over an export directory, polled every 50 ms.
class HotReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = test::fresh_dir("hot_reload");
    test::write_tiny_export(dir, 1);
    ServerOptions o;
    o.model_name = "tiny";
    o.export_dir = dir.string();
    o.port = 0;
    o.poll_ms = 50;
    server = std::make_unique<ModelServer>(o);
    port = server->start();
  }
  void TearDown() override { server->stop(); }

  Json status() {
    auto r = test::roundtrip(port, test::http_get("/v1/models/tiny"));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? Json::parse(r.body)["model_version_status"] : Json::array();
  }
  // Polls the status until `ready` holds, for a minute at most (a loaded machine meets it).
  bool wait_for(const std::function<bool(const Json&)>& ready) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (ready(status())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  int predict(const std::string& path = "/v1/models/tiny:predict") {
    return test::roundtrip(port, test::http_post(path, R"({"instances": [{"x": 1, "k": 1}]})")).status;
  }

  fs::path dir;
  std::unique_ptr<ModelServer> server;
  int port = 0;
};

TEST_F(HotReloadTest, ACrashingExportDroppedInIsShownFailedWhileTheServerGoesOn) {
  deep_metadata(dir, 2);
  ASSERT_TRUE(wait_for([](const Json& s) { return s.size() == 2; })) << status();
  Json v2 = status()[0];
  EXPECT_EQ(v2["version"], "2");
  EXPECT_EQ(v2["state"], "END");
  EXPECT_EQ(v2["status"]["error_code"], "INVALID_ARGUMENT");
  EXPECT_NE(v2["status"]["error_message"].get<std::string>().find("nested deeper than 64"), std::string::npos) << v2;
  EXPECT_EQ(status()[1]["state"], "AVAILABLE");
  EXPECT_EQ(predict(), 200);  // version 1 still serves
  auto r = test::roundtrip(port, test::http_post("/v1/models/tiny/versions/2:predict", "{}"));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("failed to load"), std::string::npos) << r.body;
}

TEST_F(HotReloadTest, AFailedVersionIsTriedAgainOnlyWhenItsFilesChange) {
  fs::path v2 = crafted(dir, 2, [](std::string& t) { replace(t, R"("op":"Mul")", R"("op":"Mux")"); });
  ASSERT_TRUE(wait_for([](const Json& s) { return s.size() == 2; })) << status();
  EXPECT_NE(status()[0]["status"]["error_message"].get<std::string>().find("unknown op 'Mux'"), std::string::npos);
  // Repaired with the same size and modification time: not seen, so not tried again.
  fs::path model = v2 / "model.json";
  auto mtime = fs::last_write_time(model);
  std::string text = read_file(model.string());
  replace(text, R"("op":"Mux")", R"("op":"Mul")");
  std::ofstream(model, std::ios::trunc) << text;
  fs::last_write_time(model, mtime);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // ten polls
  EXPECT_EQ(status()[0]["state"], "END") << status();
  // Touched: tried again, and served.
  fs::last_write_time(model, mtime + std::chrono::seconds(1));
  ASSERT_TRUE(wait_for([](const Json& s) { return s[0]["state"] == "AVAILABLE"; })) << status();
  EXPECT_EQ(predict("/v1/models/tiny/versions/2:predict"), 200);
}

TEST_F(HotReloadTest, AVersionDeletedFromDiskIsUnloaded) {
  test::write_tiny_export(dir, 2);
  ASSERT_TRUE(wait_for([](const Json& s) { return s.size() == 2 && s[0]["state"] == "AVAILABLE"; })) << status();
  EXPECT_EQ(predict("/v1/models/tiny/versions/2:predict"), 200);
  fs::remove_all(dir / "2");
  ASSERT_TRUE(wait_for([](const Json& s) { return s.size() == 1; })) << status();
  EXPECT_EQ(status()[0]["version"], "1");
  EXPECT_EQ(predict("/v1/models/tiny/versions/2:predict"), 404);
  EXPECT_EQ(predict(), 200);
}

}  // namespace
}  // namespace tg::serving
