#include "tuning/trial_files.h"

#include <cmath>
#include <filesystem>

#include "base/file_util.h"

namespace tg::tuning {

namespace {

std::optional<Json> read_json(const std::filesystem::path& p) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) return std::nullopt;
  try {
    return Json::parse(read_file(p.string()));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<EvalPoint> curve_of(const Json& evals, const std::string& metric) {
  std::vector<EvalPoint> r;
  if (!evals.is_array()) return r;
  for (const Json& e : evals) {
    if (!e.is_object() || !e.contains("step") || !e.contains("metrics")) continue;
    const Json& m = e["metrics"];
    if (!m.is_object() || !m.contains(metric) || !e["step"].is_number()) continue;
    r.push_back({e["step"].get<int64_t>(), m[metric].is_number() ? m[metric].get<double>() : NAN});
  }
  return r;
}

}  // namespace

std::vector<EvalPoint> read_curve(const std::string& dir, const std::string& metric) {
  if (auto h = read_json(std::filesystem::path(dir) / "history.json"); h && h->is_object() && h->contains("eval"))
    return curve_of((*h)["eval"], metric);
  // The newest checkpoint's progress (tg train's checkpoints are ckpt-<step>.tgc beside it).
  int64_t newest = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() < 10 || name.rfind("ckpt-", 0) != 0 || name.substr(name.size() - 5) != ".json") continue;
    try {
      size_t used = 0;
      std::string digits = name.substr(5, name.size() - 10);
      int64_t step = std::stoll(digits, &used);
      if (used == digits.size()) newest = std::max(newest, step);
    } catch (const std::exception&) {
    }
  }
  if (newest < 0) return {};
  auto p = read_json(std::filesystem::path(dir) / ("ckpt-" + std::to_string(newest) + ".json"));
  if (!p || !p->is_object() || !p->contains("evaluations")) return {};
  return curve_of((*p)["evaluations"], metric);
}

std::optional<FinalMetric> best_of(const std::vector<EvalPoint>& curve, bool maximize) {
  std::optional<FinalMetric> b;
  for (const EvalPoint& e : curve)
    if (std::isfinite(e.value) && (!b || (maximize ? e.value > b->value : e.value < b->value))) b = FinalMetric{e.value, e.step};
  return b;
}

std::optional<FinalMetric> read_final_metric(const std::string& dir, const std::string& metric, bool maximize,
                                             const std::vector<EvalPoint>& curve) {
  auto best = best_of(curve, maximize);
  if (auto m = read_json(std::filesystem::path(dir) / "metrics.json"); m && m->is_object() && m->contains(metric) &&
                                                                         (*m)[metric].is_number()) {
    int64_t step = m->value("best_step", best ? best->step : (curve.empty() ? int64_t{0} : curve.back().step));
    return FinalMetric{(*m)[metric].get<double>(), step};
  }
  return best;
}

}  // namespace tg::tuning
