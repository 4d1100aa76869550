#include "estimator/train_and_evaluate.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "base/log.h"
#include "estimator/distributed.h"
#include "runtime/checkpoint.h"

namespace tg::estimator {

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

std::string describe(const EvalResult& r) {
  std::string s;
  for (const auto& [k, v] : r.metrics) s += (s.empty() ? "" : ", ") + k + " " + cat(v);
  return s;
}

Json metrics_json(const EvalResult& r) {
  Json j = Json::object();
  for (const auto& [k, v] : r.metrics) j[k] = v;
  return j;
}

EvalResult metrics_of(const Json& j) {
  EvalResult r;
  for (const auto& [k, v] : j.items()) r.metrics[k] = v.get<double>();
  return r;
}

// The best evaluation of earlier runs, kept in model_dir/best: the newest sound checkpoint there
// with the evaluation saved beside it (ckpt-<step>.json; metrics.json for directories written
// before those existed). Without one, or when it was chosen by another metric, returns false.
bool restore_best(const CheckpointManager& store, const EvalSpec& eval, TrainAndEvaluateResult& out) {
  auto steps = store.steps();
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    std::string path = store.path_for(*it);
    Json st;
    try {
      read_checkpoint(path);  // a best model that cannot be handed back is no best model
      std::string text = store.state(*it);
      std::string legacy = store.directory() + "/metrics.json";
      if (text.empty() && std::filesystem::exists(legacy)) text = read_file(legacy);
      st = Json::parse(text);
      if (st.at("step").get<int64_t>() != *it) continue;
      if (st.at("metric").get<std::string>() != eval.metric) {
        log_warn("'", store.directory(), "' holds the best model by ", st["metric"].get<std::string>(),
                 "; this run selects by ", eval.metric, ", so its first evaluation replaces it");
        return false;
      }
      out.best = Evaluation{*it, metrics_of(st.at("metrics")), st.value("seconds", 0.0)};
    } catch (const Error& e) {
      log_warn("skipping a damaged best checkpoint: ", e.what());
      continue;
    } catch (const Json::exception& e) {
      log_warn("skipping the best checkpoint '", path, "': its evaluation is unreadable (", e.what(), ")");
      continue;
    }
    out.best_checkpoint = path;
    return true;
  }
  return false;
}

}  // namespace

TrainAndEvaluateResult train_and_evaluate(Estimator& est, const TrainSpec& train, const EvalSpec& eval) {
  TG_CHECK(eval.every_steps > 0 || eval.every_secs > 0 || eval.every_epoch, "train_and_evaluate: evaluate every N steps or seconds");
  TG_CHECK(eval.early_stopping_patience >= 0, "early_stopping_patience must not be negative");
  TrainAndEvaluateResult out;
  const std::string& dir = est.config().model_dir;
  std::optional<CheckpointManager> best_store;
  bool have_best = false;
  int since_best = 0;
  double seconds_before = 0;   // spent by the runs this one continues
  int64_t last_eval = -1;
  double window_sum = 0;       // the loss curve's open window
  int64_t window_count = 0;
  std::vector<std::pair<Node*, Tensor>> best_weights;  // in memory when there is no model_dir

  // What a restarted run needs to continue this one, saved with each checkpoint.
  auto progress = [&](double seconds) {
    Json evals = Json::array();
    for (const auto& e : out.history)
      evals.push_back({{"step", e.step}, {"seconds", e.seconds}, {"metrics", metrics_json(e.result)}});
    Json losses = Json::array();
    for (const auto& [s, l] : out.losses) losses.push_back({s, l});
    Json p{{"metric", eval.metric}, {"since_best", since_best}, {"stopped_early", out.stopped_early},
           {"seconds", seconds}, {"evaluations", evals}, {"losses", losses},
           {"window", {{"sum", window_sum}, {"count", window_count}}}};
    return p.dump();
  };

  // Several processes: rank 0 alone keeps the best model, and tells the others which it is.
  bool distributed = est.config().distribute && job_distributed();
  if (!dir.empty() && (!distributed || job_chief())) {
    best_store.emplace(dir + "/best", 1);
    have_best = restore_best(*best_store, eval, out);
  }
  if (!dir.empty() && distributed) {
    Json b = have_best ? Json{{"step", out.best.step}, {"seconds", out.best.seconds}, {"metrics", metrics_json(out.best.result)}}
                       : Json();
    b = Json::parse(broadcast_text(b.dump()));
    have_best = !b.is_null();
    if (have_best) out.best = Evaluation{b["step"].get<int64_t>(), metrics_of(b["metrics"]), b["seconds"].get<double>()};
  }
  if (!dir.empty()) {
    const std::string& text = est.restored_progress();
    if (!text.empty()) {
      try {
        Json p = Json::parse(text);
        for (const auto& e : p.at("evaluations"))
          out.history.push_back({e.at("step").get<int64_t>(), metrics_of(e.at("metrics")), e.value("seconds", 0.0)});
        for (const auto& l : p.value("losses", Json::array()))
          out.losses.emplace_back(l.at(0).get<int64_t>(), l.at(1).get<double>());
        window_sum = p["window"].value("sum", 0.0);
        window_count = p["window"].value("count", int64_t{0});
        out.stopped_early = p.value("stopped_early", false);
        seconds_before = p.value("seconds", 0.0);
        // Patience counts evaluations since the best; a best newer than the checkpoint (its
        // evaluation came after it) starts the count again.
        if (p.value("metric", "") == eval.metric && !(have_best && out.best.step > est.global_step()))
          since_best = p.value("since_best", 0);
      } catch (const Json::exception& e) {
        log_warn("ignoring the unreadable progress saved with the checkpoint of step ", est.global_step(), ": ",
                 e.what());
      }
      if (!out.history.empty()) last_eval = out.history.back().step;
    }
    if (have_best)
      log_info("continuing from step ", est.global_step(), " with the best ", eval.metric, " so far ",
               out.best.result[eval.metric], " (step ", out.best.step, ")");
  }

  auto started = Clock::now() - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds_before));
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  auto evaluate_now = [&]() -> bool {  // returns true to stop early
    Evaluation e{est.global_step(), est.evaluate(eval.input, eval.steps), 0};
    e.seconds = elapsed();
    auto it = e.result.metrics.find(eval.metric);
    TG_CHECK(it != e.result.metrics.end(), "train_and_evaluate: the evaluation has no metric '", eval.metric, "'");
    double v = it->second;
    log_info("evaluation at step ", e.step, ": ", describe(e.result));
    // The history keeps the metrics; curves are for the final evaluation of the best model.
    out.history.push_back({e.step, EvalResult{e.result.metrics, {}, {}, {}}, e.seconds});
    double best_v = have_best ? out.best.result[eval.metric] : 0;
    bool better = !have_best || (eval.higher_is_better ? v > best_v : v < best_v);
    if (better && std::isfinite(v)) {
      have_best = true;
      since_best = 0;
      out.best = e;
      if (best_store) {
        Json j{{"step", e.step}, {"metric", eval.metric}, {"seconds", e.seconds}, {"metrics", metrics_json(e.result)}};
        out.best_checkpoint = best_store->save(est.session(), est.graph().variables(), e.step, j.dump(2));
        write_file_atomic(dir + "/best/metrics.json", j.dump(2));
      } else if (!distributed) {
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

  if (out.stopped_early) log_info("this run stopped early at step ", est.global_step(), ": nothing to train");
  auto stream = est.training_input(train.input);
  bool unsaved = false;  // trained or evaluated since the last checkpoint
  auto last_eval_time = Clock::now();
  int64_t epoch = -1;  // of the last batch trained on
  while (!out.stopped_early && (train.max_steps < 0 || est.global_step() < train.max_steps)) {
    auto batch = stream->next();
    if (!batch) break;
    // A batch of a new epoch: the one before ended, and is evaluated before training goes on.
    bool epoch_ended = eval.every_epoch && epoch >= 0 && batch->epoch != epoch && last_eval != est.global_step();
    if (eval.every_epoch && distributed) epoch_ended = any_rank(epoch_ended);  // the same on every rank
    if (epoch_ended) {
      last_eval = est.global_step();
      last_eval_time = Clock::now();
      out.stopped_early = evaluate_now();
      if (out.stopped_early) break;
    }
    epoch = batch->epoch;
    double loss = est.train_batch(*batch);
    int64_t step = est.global_step();
    unsaved = true;
    if (train.loss_window > 0) {
      window_sum += loss;
      if (++window_count == train.loss_window || step % train.loss_window == 0) {
        out.losses.emplace_back(step, window_sum / static_cast<double>(window_count));
        window_sum = 0;
        window_count = 0;
      }
    }
    if (train.on_step) train.on_step(step, loss, *batch);
    bool by_time = eval.every_secs > 0 && std::chrono::duration<double>(Clock::now() - last_eval_time).count() >= eval.every_secs;
    if (eval.every_secs > 0 && distributed) by_time = any_rank(by_time);  // the same on every rank
    bool due = (eval.every_steps > 0 && step % eval.every_steps == 0) || by_time;
    if (due) {
      last_eval = step;
      last_eval_time = Clock::now();
      out.stopped_early = evaluate_now();
    }
    // After the evaluation, so that a run continued from this checkpoint has it in its history.
    const RunConfig& cfg = est.config();
    if (cfg.save_checkpoints_steps > 0 && step % cfg.save_checkpoints_steps == 0) {
      est.save_checkpoint(progress(elapsed()));
      unsaved = false;
    }
  }
  if (last_eval != est.global_step() && !out.stopped_early) {
    evaluate_now();
    unsaved = true;
  }
  // A finished run started again trains nothing, evaluates nothing and leaves its files as they were.
  if (unsaved || est.global_step() == 0) est.save_checkpoint(progress(elapsed()));
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
  // Rank 0 restored the best model from its file: every rank holds it now.
  if (distributed && have_best) broadcast_variables(est.session(), est.graph().variables());
  return out;
}

}  // namespace tg::estimator
