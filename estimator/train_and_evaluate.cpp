#include "estimator/train_and_evaluate.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "base/log.h"
#include "runtime/checkpoint.h"

namespace tg::estimator {

namespace {

using Clock = std::chrono::steady_clock;

std::string describe(const EvalResult& r) {
  std::string s;
  for (const auto& [k, v] : r.metrics) s += (s.empty() ? "" : ", ") + k + " " + cat(v);
  return s;
}

}  // namespace

TrainAndEvaluateResult train_and_evaluate(Estimator& est, const TrainSpec& train, const EvalSpec& eval) {
  TG_CHECK(eval.every_steps > 0 || eval.every_secs > 0, "train_and_evaluate: evaluate every N steps or seconds");
  TG_CHECK(eval.early_stopping_patience >= 0, "early_stopping_patience must not be negative");
  TrainAndEvaluateResult out;
  const std::string& dir = est.config().model_dir;
  std::optional<CheckpointManager> best_store;
  if (!dir.empty()) best_store.emplace(dir + "/best", 1);
  bool have_best = false;
  int since_best = 0;
  std::vector<std::pair<Node*, Tensor>> best_weights;  // in memory when there is no model_dir

  auto started = Clock::now();
  auto evaluate_now = [&]() -> bool {  // returns true to stop early
    Evaluation e{est.global_step(), est.evaluate(eval.input, eval.steps), 0};
    e.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    auto it = e.result.metrics.find(eval.metric);
    TG_CHECK(it != e.result.metrics.end(), "train_and_evaluate: the evaluation has no metric '", eval.metric, "'");
    double v = it->second;
    log_info("evaluation at step ", e.step, ": ", describe(e.result));
    out.history.push_back(e);
    double best_v = have_best ? out.best.result[eval.metric] : 0;
    bool better = !have_best || (eval.higher_is_better ? v > best_v : v < best_v);
    if (better && std::isfinite(v)) {
      have_best = true;
      since_best = 0;
      out.best = e;
      if (best_store) {
        out.best_checkpoint = best_store->save(est.session(), est.graph().variables(), e.step);
        nlohmann::json j;
        j["step"] = e.step;
        j["metric"] = eval.metric;
        for (const auto& [k, mv] : e.result.metrics) j["metrics"][k] = mv;
        write_file_atomic(dir + "/best/metrics.json", j.dump(2));
      } else {
        best_weights.clear();
        for (Node* var : est.graph().variables()) best_weights.emplace_back(var, est.session().variable_value(var->out()));
      }
      return false;
    }
    ++since_best;
    if (eval.early_stopping_patience > 0 && since_best >= eval.early_stopping_patience) {
      log_info("early stopping at step ", e.step, ": ", eval.metric, " has not improved on ", best_v,
               " (step ", out.best.step, ") for ", since_best, " evaluations");
      return true;
    }
    return false;
  };

  auto stream = train.input();
  int64_t last_eval = -1;
  auto last_eval_time = Clock::now();
  while (train.max_steps < 0 || est.global_step() < train.max_steps) {
    auto batch = stream->next();
    if (!batch) break;
    double loss = est.train_batch(*batch);
    int64_t step = est.global_step();
    if (train.on_step) train.on_step(step, loss, *batch);
    const RunConfig& cfg = est.config();
    if (cfg.save_checkpoints_steps > 0 && step % cfg.save_checkpoints_steps == 0) est.save_checkpoint();
    bool due = (eval.every_steps > 0 && step % eval.every_steps == 0) ||
               (eval.every_secs > 0 && std::chrono::duration<double>(Clock::now() - last_eval_time).count() >= eval.every_secs);
    if (due) {
      last_eval = step;
      last_eval_time = Clock::now();
      if (evaluate_now()) {
        out.stopped_early = true;
        break;
      }
    }
  }
  if (last_eval != est.global_step() && !out.stopped_early) evaluate_now();
  est.save_checkpoint();
  // Hand back the model that generalized best, not the last one; the global step stays where
  // training stopped, as the model directory's latest checkpoint says.
  if (have_best && out.best.step != est.global_step()) {
    Output step = est.graph().global_step();
    Tensor final_step = est.session().variable_value(step);
    if (best_store) {
      restore_checkpoint(est.session(), est.graph().variables(), out.best_checkpoint);
    } else {
      for (auto& [var, value] : best_weights) est.session().set_variable_value(var->out(), value);
    }
    est.session().set_variable_value(step, final_step);
  }
  return out;
}

}  // namespace tg::estimator
