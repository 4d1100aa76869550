// A stand-in for `tg train` in the tuning tests: it "trains" by evaluating a known function of
// its parameters and writes what tg train writes for tg tune to read: history.json after every
// evaluation and metrics.json at the end. Nothing in it depends on time, except the waits it is
// told to make (and those end on a condition: a file that appears, or being stopped).
//
//   test_trainer --output_dir DIR [--<param> VALUE ...] [options]
//     --function branin|identity   branin(x1, x2) (default), or x
//     --evals N                    evaluations, at steps 100, 200, ... (default 4); the metric
//                                  "value" at evaluation k is f + 10 / k (+ noise)
//     --noise SD                   Gaussian noise, seeded by the flags (but the directory) and
//                                  the evaluation
//     --fail_trials 2,5            exit 3 at start when DIR's name is one of these trial ids
//     --block_above V              when f > V, wait after --block_after evaluations (default 2)
//     --block_from_trial K         when the trial id >= K, wait likewise
//     --release_file PATH          a waiting trainer goes on once this file exists (it waits
//                                  at most 120 s in any case)
// It also leaves in DIR: pid (its process id), runs (a line per start), args (its arguments, one
// a line) and threads (OMP_NUM_THREADS).
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

double branin(double x1, double x2) {
  const double pi = 3.14159265358979323846;
  double b = 5.1 / (4 * pi * pi), c = 5 / pi, t = 1 / (8 * pi);
  return std::pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * std::cos(x1) + 10;
}

// A normal draw from a hash of the text (the parameters) and k: the same trial, the same noise.
double hashed_normal(const std::string& text, int k) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : text + "#" + std::to_string(k)) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  auto next = [&h] {
    h += 0x9E3779B97F4A7C15ULL;
    uint64_t z = h;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  };
  double u1 = next(), u2 = next();
  return std::sqrt(-2 * std::log(1 - u1)) * std::cos(6.283185307179586 * u2);
}

void write_atomic(const fs::path& p, const std::string& text) {
  fs::path tmp = p;
  tmp += ".tmp";
  {
    std::ofstream f(tmp);
    f << text;
  }
  fs::rename(tmp, p);
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  std::string all_args;
  for (int i = 1; i < argc; ++i) {
    all_args += std::string(argv[i]) + "\n";
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || i + 1 >= argc) {
      std::fprintf(stderr, "test_trainer: unexpected argument '%s'\n", a.c_str());
      return 2;
    }
    flags[a.substr(2)] = argv[++i];
    all_args += std::string(argv[i]) + "\n";
  }
  auto get = [&](const std::string& k, const std::string& d) { return flags.count(k) ? flags[k] : d; };
  fs::path dir = get("output_dir", "");
  if (dir.empty()) {
    std::fprintf(stderr, "test_trainer: --output_dir is required\n");
    return 2;
  }
  fs::create_directories(dir);
  int trial = std::atoi(dir.filename().c_str());
  { std::ofstream(dir / "pid") << ::getpid() << "\n"; }
  { std::ofstream(dir / "runs", std::ios::app) << "start\n"; }
  { std::ofstream(dir / "args") << all_args; }
  { std::ofstream(dir / "threads") << (std::getenv("OMP_NUM_THREADS") ? std::getenv("OMP_NUM_THREADS") : "") << "\n"; }

  std::stringstream fails(get("fail_trials", ""));
  for (std::string id; std::getline(fails, id, ',');)
    if (!id.empty() && std::atoi(id.c_str()) == trial) {
      std::fprintf(stderr, "test_trainer: trial %d fails on purpose\n", trial);
      return 3;
    }

  double f = get("function", "branin") == "identity" ? std::atof(get("x", "0").c_str())
                                                     : branin(std::atof(get("x1", "0").c_str()), std::atof(get("x2", "0").c_str()));
  int evals = std::atoi(get("evals", "4").c_str());
  double noise = std::atof(get("noise", "0").c_str());
  int block_after = std::atoi(get("block_after", "2").c_str());
  bool block = (flags.count("block_above") && f > std::atof(flags["block_above"].c_str())) ||
               (flags.count("block_from_trial") && trial >= std::atoi(flags["block_from_trial"].c_str()));
  std::string params;
  for (const auto& [k, v] : flags)
    if (k != "output_dir") params += k + "=" + v + ";";  // the same parameters, the same noise

  Json history{{"metric", "value"}, {"eval", Json::array()}};
  double best = INFINITY;
  int64_t best_step = 0;
  for (int k = 1; k <= evals; ++k) {
    double v = f + 10.0 / k + noise * hashed_normal(params, k);
    int64_t step = 100LL * k;
    history["eval"].push_back({{"step", step}, {"seconds", 0.0}, {"metrics", {{"value", v}, {"loss", v * v}}}});
    write_atomic(dir / "history.json", history.dump());
    if (v < best) best = v, best_step = step;
    if (block && k == block_after) {
      std::string release = get("release_file", "");
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
      while (std::chrono::steady_clock::now() < until && (release.empty() || !fs::exists(release)))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  write_atomic(dir / "metrics.json", Json{{"value", best}, {"loss", best * best}, {"best_step", best_step}}.dump());
  std::printf("trained: value %g at step %lld\n", best, static_cast<long long>(best_step));
  return 0;
}
