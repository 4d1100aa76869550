// `tg serve` with its model on the GPU: eight clients, each on its own keep-alive connection,
// send batches of changing sizes to the latest version (through the batcher) and to version 1
// (on the HTTP handler threads) while new versions are dropped into the export directory and
// loaded. Every answer must be right: sessions on one GPU from several threads take turns, so
// no thread's kernels land in another's CUDA graph capture. Skipped without a GPU.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "runtime/device.h"
#include "tests/serving/raw_http.h"
#include "tests/test_dirs.h"

namespace tg {
namespace {

using Json = nlohmann::json;

TEST(ServeOnGpu, EightClientsDuringAHotReloadAreAllAnsweredRight) {
  if (cuda_devices().empty()) GTEST_SKIP() << "no GPU: " << cuda_unavailable_reason();
  auto dir = test::fresh_dir("serve_gpu");
  test::write_tiny_export(dir, 1);
  test::ServeProcess serve({"--model_dir", dir.string(), "--model_name", "tiny", "--poll_ms", "50"});
  ASSERT_GT(serve.port(), 0) << serve.first_line();

  constexpr int kClients = 8, kRequests = 150;
  std::atomic<int> right{0};
  std::mutex mu;
  std::string first_wrong;
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      test::RawClient c(serve.port());
      for (int i = 0; i < kRequests; ++i) {
        int rows = 1 + (i * 7 + t) % 13;  // sizes change, so plans see new shapes
        Json instances = Json::array();
        for (int r = 0; r < rows; ++r) instances.push_back({{"x", i + r}, {"k", t}});
        std::string path = i % 3 == 0 ? "/v1/models/tiny/versions/1:predict" : "/v1/models/tiny:predict";
        bool ok = c.send(test::http_post(path, Json{{"instances", instances}}.dump()));
        auto res = ok ? c.read_response(60000) : test::RawClient::Response{};
        std::string wrong;
        if (res.status != 200) {
          wrong = "status " + std::to_string(res.status) + ": " + res.body.substr(0, 200);
        } else {
          Json p = Json::parse(res.body)["predictions"];
          for (int r = 0; r < rows && wrong.empty(); ++r)
            if (p.size() != static_cast<size_t>(rows) || p[r].get<double>() != 2.0 * (i + r) + t)
              wrong = "client " + std::to_string(t) + " request " + std::to_string(i) + ": " + res.body.substr(0, 200);
        }
        if (wrong.empty()) {
          ++right;
        } else {
          std::lock_guard<std::mutex> lock(mu);
          if (first_wrong.empty()) first_wrong = wrong;
          return;
        }
      }
    });
  }
  for (int v = 2; v <= 4; ++v) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    test::write_tiny_export(dir, v);
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(right.load(), kClients * kRequests) << first_wrong;

  // Every version dropped in was loaded (waiting for a condition, a minute at most).
  bool all = false;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       !all && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(20))) {
    auto r = test::roundtrip(serve.port(), test::http_get("/v1/models/tiny"));
    if (r.status != 200) continue;
    Json s = Json::parse(r.body)["model_version_status"];
    all = s.size() == 4;
    for (const auto& v : s) all = all && v["state"] == "AVAILABLE";
  }
  EXPECT_TRUE(all) << "versions 1-4 were not all loaded";
}

}  // namespace
}  // namespace tg
