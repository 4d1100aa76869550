#include "estimator/estimator.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/log.h"
#include "estimator/distributed.h"
#include "estimator/model.h"
#include "estimator/summary_writer.h"
#include "runtime/checkpoint.h"

namespace tg::estimator {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

ModelDirError::ModelDirError(const std::string& model_dir, const std::string& problem)
    : Error(cat("model_dir '", model_dir, "' holds a model this one cannot continue: ", problem,
                ". Train into another model_dir, or set RunConfig::overwrite to replace it"),
            ErrorCode::FailedPrecondition, ErrorContext{.file = model_dir}),
      problem_(problem) {}

namespace {

// RunConfig::overwrite: deletes what an earlier model left in model_dir, and nothing else.
void clear_model_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) return;
  CheckpointManager(dir).remove_all();
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (e.is_directory() && (n == "best" || n == "train" || n == "eval" || n.rfind("eval_", 0) == 0))
      fs::remove_all(e.path());
  }
  log_info("overwrite: removed the checkpoints, best model and event files of '", dir, "'");
}

Json position_json(const data::Position& p) {
  return {{"key", p.key}, {"epoch", p.epoch}, {"records", p.records}, {"rng", p.rng}};
}

data::Position position_of(const Json& in) {
  return data::Position{in.at("key").get<std::string>(), in.at("epoch").get<int64_t>(),
                        in.at("records").get<int64_t>(), in.value("rng", std::string())};
}

}  // namespace

struct Estimator::Impl {
  ModelSpec spec;
  RunConfig config;
  std::unique_ptr<Graph> graph;
  ModelGraph model;
  std::unique_ptr<Session> session;
  std::optional<CheckpointManager> checkpoints;
  std::unique_ptr<SummaryWriter> train_summaries;
  std::map<std::string, std::unique_ptr<SummaryWriter>> eval_summaries;
  Clock::time_point last_save = Clock::now();
  Clock::time_point log_window = Clock::now();
  int64_t log_examples = 0;
  int64_t step = 0;
  int64_t restored_step = -1;
  std::optional<data::Position> position;   // the training input's, after the last batch trained on
  std::optional<data::Position> resume_at;  // the restored checkpoint's, for the next training pass
  bool resume_epoch_only = false;           // resume_at holds just the epoch to start (see read_state)
  std::string progress;                     // saved with the restored checkpoint
  bool distributed = false;                 // one of several processes training this model together
  bool writer = true;                       // writes model_dir: one process, or rank 0 of several

  // The state file beside the restored checkpoint: the input positions and the progress. A
  // damaged one costs the position, not the run. A checkpoint of a job of several processes
  // holds every rank's position: each rank of a job of as many continues its own; with another
  // number of processes, no position can be continued exactly, and every rank starts the
  // epoch the slowest rank was in.
  void read_state(const std::string& text, const std::string& where) {
    if (text.empty()) return;
    try {
      Json st = Json::parse(text);
      int64_t ranks = st.value("ranks", int64_t{1}), size = distributed ? job_size() : 1, rank = distributed ? job_rank() : 0;
      if (ranks == size && st.contains("inputs")) {
        const Json& in = st["inputs"].at(static_cast<size_t>(rank));
        if (!in.is_null()) resume_at = position_of(in);
      } else if (ranks == size && st.contains("input")) {
        resume_at = position_of(st["input"]);
      } else if (st.contains("input") || st.contains("inputs")) {
        int64_t epoch = -1;
        for (const Json& in : st.contains("inputs") ? st["inputs"] : Json::array({st["input"]}))
          if (!in.is_null()) epoch = epoch < 0 ? in.at("epoch").get<int64_t>() : std::min(epoch, in.at("epoch").get<int64_t>());
        if (epoch >= 0) {
          resume_at = data::Position{"", epoch, 0, ""};
          resume_epoch_only = true;
          log_info("the checkpoint was written by ", ranks, " process", ranks == 1 ? "" : "es", ", this run has ",
                   size, ": the training input starts epoch ", epoch + 1, " afresh");
        }
      }
      if (resume_at && !resume_epoch_only) position = resume_at;
      if (st.contains("progress")) progress = st["progress"].dump();
    } catch (const Json::exception& e) {
      log_warn("ignoring the damaged state file ", where, " (", e.what(), "): the training input starts at its beginning");
      resume_at.reset();
      resume_epoch_only = false;
      position.reset();
      progress.clear();
    }
  }

  // Several processes: the same graph everywhere, rank 0's variables, restored step and state.
  void join_job(int64_t& restored, const std::string& state) {
    check_same_graph(all_outputs(*graph));
    broadcast_variables(*session, graph->variables());
    Json from_chief = Json::parse(broadcast_text(Json{{"restored", restored}, {"state", state}}.dump()));
    restored = from_chief["restored"].get<int64_t>();
    read_state(from_chief["state"].get<std::string>(), "of rank 0's checkpoint");
  }

  void build() {
    if (session) return;
    graph = std::make_unique<Graph>();
    distributed = config.distribute && job_distributed();
    writer = !distributed || job_chief();
    {
      auto device = graph->device(config.device);  // soft placement falls back to the CPU
      model = build_model(*graph, spec, config.seed, distributed ? config.allreduce_bucket_bytes : -1);
    }
    SessionOptions o;
    o.num_threads = config.num_threads;
    o.precision = config.precision;
    session = std::make_unique<Session>(*graph, o);
    int64_t restored = -1;
    if (!config.model_dir.empty() && writer) {
      if (config.overwrite) clear_model_dir(config.model_dir);
      checkpoints.emplace(config.model_dir, config.keep_checkpoint_max);
      try {
        restored = checkpoints->restore_latest(*session, graph->variables());
      } catch (const Error& e) {  // another model's checkpoints, or none that loads: keep them
        session.reset();
        graph.reset();
        checkpoints.reset();
        throw ModelDirError(config.model_dir, e.what());
      }
    }
    std::string state;
    if (restored >= 0) {
      log_info("restored the model from ", checkpoints->path_for(restored));
      state = checkpoints->state(restored);
    } else {
      session->run(model.init);
    }
    if (distributed) join_job(restored, state);
    else read_state(state, cat("'", restored >= 0 ? checkpoints->state_path_for(restored) : "", "'"));
    restored_step = restored;
    step = session->variable_value(graph->global_step()).to_vector<int64_t>()[0];
    if (!config.model_dir.empty() && config.summaries && writer) {
      train_summaries = std::make_unique<SummaryWriter>(config.model_dir + "/train");
      // Events a stopped process wrote after its last checkpoint are orphans: TensorBoard
      // drops them when it reads this, and shows the steps trained again instead.
      if (restored >= 0) train_summaries->session_start(restored + 1);
      train_summaries->graph(*graph);
    }
  }

  double learning_rate() {
    if (!spec.learning_rate_decay.type.empty() && model.learning_rate)
      return session->run(FeedList{}, {model.learning_rate})[0].scalar_as_double();
    return spec.dnn_columns.empty() ? spec.linear_learning_rate : spec.dnn_learning_rate;
  }

  void write_histograms() {
    if (!train_summaries) return;
    for (Node* v : graph->trainable_variables())
      train_summaries->histogram(v->name, session->variable_value(v->out()), step);
    train_summaries->flush();
  }

  SummaryWriter* eval_writer(const std::string& name) {
    if (config.model_dir.empty() || !config.summaries || !writer) return nullptr;
    auto& w = eval_summaries[name];
    if (!w) {
      w = std::make_unique<SummaryWriter>(config.model_dir + (name.empty() ? "/eval" : "/eval_" + name));
      if (restored_step >= 0) w->session_start(restored_step + 1);
    }
    return w.get();
  }

  // Feeds for a batch: every raw input, the training flag, and labels and weights if asked.
  FeedList feeds(const data::Batch& b, bool training, bool labels) {
    FeedList f;
    for (const auto& [name, ph] : model.raw) f.emplace_back(ph, convert_column(b[name], ph.dtype(), name));
    f.emplace_back(model.training, Tensor::scalar<float>(training ? 1.f : 0.f));
    if (labels) {
      f.emplace_back(model.label, convert_column(b[spec.label_column], model.label.dtype(), spec.label_column));
      if (model.weight)
        f.emplace_back(model.weight, convert_column(b[spec.weight_column], DType::Float32, spec.weight_column));
    }
    return f;
  }
};

Tensor convert_column(const Tensor& t, DType to, const std::string& name) {
  if (t.dtype() == to) return t;
  TG_CHECK(is_numeric(t.dtype()) && is_numeric(to), "column '", name, "' holds ", dtype_name(t.dtype()),
           " values but the model reads it as ", dtype_name(to));
  Tensor r(to, t.shape());
  visit_dtype(t.dtype(), [&](auto a) {
    using A = decltype(a);
    visit_dtype(to, [&](auto b) {
      using B = decltype(b);
      for (int64_t i = 0; i < t.num_elements(); ++i) r.data<B>()[i] = static_cast<B>(t.data<A>()[i]);
    });
  });
  return r;
}

Estimator::Estimator(ModelSpec spec, RunConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->spec = std::move(spec);
  impl_->config = std::move(config);
}
Estimator::~Estimator() = default;
Estimator::Estimator(Estimator&&) noexcept = default;
Estimator& Estimator::operator=(Estimator&&) noexcept = default;

const ModelSpec& Estimator::spec() const { return impl_->spec; }
const RunConfig& Estimator::config() const { return impl_->config; }
const ModelGraph& Estimator::model_graph() {
  impl_->build();
  return impl_->model;
}

Graph& Estimator::graph() {
  impl_->build();
  return *impl_->graph;
}
Session& Estimator::session() {
  impl_->build();
  return *impl_->session;
}

int64_t Estimator::global_step() {
  impl_->build();
  return impl_->step;
}

double Estimator::train_batch(const data::Batch& batch) {
  Impl& m = *impl_;
  m.build();
  auto out = m.session->run(m.feeds(batch, true, true), {m.model.head.loss}, {m.model.train});
  double loss = out[0].scalar_as_double();
  ++m.step;
  if (batch.position.key.empty()) m.position.reset();
  else m.position = batch.position;
  TG_CHECK(std::isfinite(loss), "the loss became ", loss, " at step ", m.step,
           ": training diverged (try a lower learning rate, or normalize the inputs)");
  m.log_examples += batch.rows;
  if (m.config.log_step_count_steps > 0 && m.step % m.config.log_step_count_steps == 0) {
    double secs = std::chrono::duration<double>(Clock::now() - m.log_window).count();
    double rate = static_cast<double>(m.log_examples) / std::max(secs, 1e-9);
    log_info("step ", m.step, ": loss ", loss, ", ", static_cast<int64_t>(rate), " examples/s");
    if (m.train_summaries) {
      m.train_summaries->scalar("loss", loss, m.step);
      m.train_summaries->scalar("learning_rate", m.learning_rate(), m.step);
      m.train_summaries->scalar("examples_per_sec", rate, m.step);
    }
    m.log_examples = 0;
    m.log_window = Clock::now();
  }
  return loss;
}

void Estimator::save_checkpoint(const std::string& progress) {
  Impl& m = *impl_;
  m.build();
  Json state{{"step", m.step}};
  if (m.position) state["input"] = position_json(*m.position);
  if (m.distributed) {
    // Every rank's position, so that a job of as many processes continues each exactly.
    auto all = gather_text(m.position ? position_json(*m.position).dump() : "null");
    state["ranks"] = job_size();
    state["inputs"] = Json::array();
    for (const auto& p : all) state["inputs"].push_back(Json::parse(p));
  }
  if (!m.checkpoints) return;
  if (!progress.empty()) state["progress"] = Json::parse(progress);
  std::string path = m.checkpoints->save(*m.session, m.graph->variables(), m.step, state.dump());
  m.last_save = Clock::now();
  m.write_histograms();
  log_info("saved checkpoint ", path);
}

const std::string& Estimator::restored_progress() {
  impl_->build();
  return impl_->progress;
}

std::unique_ptr<BatchStream> Estimator::training_input(const InputFn& input) {
  Impl& m = *impl_;
  m.build();
  auto stream = m.distributed ? synchronized(input()) : input();
  if (m.resume_at && m.resume_epoch_only) {
    data::Position p{stream->position_key(), m.resume_at->epoch, 0, ""};
    if (p.key.empty() || !stream->resume(p))
      log_warn("the training input cannot start epoch ", p.epoch + 1, ": it starts at its beginning");
    m.resume_at.reset();
    m.resume_epoch_only = false;
  } else if (m.resume_at) {
    const data::Position& p = *m.resume_at;
    if (stream->resume(p))
      log_info("the training input continues in epoch ", p.epoch + 1, " after ", p.records, " records");
    else
      log_warn("the training input is not the data the checkpoint's run read: it starts at its beginning");
    m.resume_at.reset();
  }
  return stream;
}

void Estimator::restore(const std::string& path) {
  Impl& m = *impl_;
  m.build();
  restore_checkpoint(*m.session, m.graph->variables(), path);
  m.step = m.session->variable_value(m.graph->global_step()).to_vector<int64_t>()[0];
}

void Estimator::train(const InputFn& input, int64_t steps, int64_t max_steps) {
  Impl& m = *impl_;
  m.build();
  if (max_steps >= 0 && m.step >= max_steps) {
    log_info("global step ", m.step, " has reached max_steps ", max_steps, ": nothing to train");
    return;
  }
  auto stream = training_input(input);
  int64_t done = 0, saved_at = m.step;
  m.log_window = Clock::now();
  m.log_examples = 0;
  while ((steps < 0 || done < steps) && (max_steps < 0 || m.step < max_steps)) {
    auto batch = stream->next();
    if (!batch) break;
    train_batch(*batch);
    ++done;
    bool by_steps = m.config.save_checkpoints_steps > 0 && m.step % m.config.save_checkpoints_steps == 0;
    bool by_time = m.config.save_checkpoints_secs > 0 &&
                   std::chrono::duration<double>(Clock::now() - m.last_save).count() >= m.config.save_checkpoints_secs;
    if (m.config.save_checkpoints_secs > 0 && m.distributed) by_time = any_rank(by_time);  // the same on every rank
    if (by_steps || by_time) {
      save_checkpoint();
      saved_at = m.step;
    }
  }
  if (saved_at != m.step) save_checkpoint();
}

EvalResult Estimator::evaluate(const InputFn& input, int64_t steps, const std::string& name) {
  Impl& m = *impl_;
  m.build();
  const HeadOutputs& h = m.model.head;
  std::vector<Output> fetches{h.losses, h.labels};
  Output main = h.predictions ? h.predictions : h.probabilities;
  fetches.push_back(main);
  if (h.class_ids) fetches.push_back(h.class_ids);
  if (m.model.weight) fetches.push_back(m.model.weight);
  MetricAccumulator acc = m.spec.head.metrics();
  std::vector<std::unique_ptr<StreamingMetric>> user;
  for (const auto& [name, make] : m.spec.metrics) user.push_back(make());
  auto stream = input();
  for (int64_t n = 0; steps < 0 || n < steps; ++n) {
    auto batch = stream->next();
    if (!batch) break;
    auto out = m.session->run(m.feeds(*batch, false, true), fetches);
    BatchOutputs b;
    b.losses = &out[0];
    b.labels = &out[1];
    (h.predictions ? b.predictions : b.probabilities) = &out[2];
    size_t k = 3;
    if (h.class_ids) b.class_ids = &out[k++];
    if (m.model.weight) b.weights = &out[k++];
    // Binary metrics read P(1) per example; a [n, C] multi-class table stays as it is.
    acc.add(b);
    for (auto& u : user) u->update(out[2], out[1], b.weights);
  }
  EvalResult r = m.distributed ? reduce_evaluation(acc) : acc.result();
  for (size_t i = 0; i < user.size(); ++i) r.metrics[m.spec.metrics[i].first] = user[i]->result();
  r.metrics["global_step"] = static_cast<double>(m.step);
  if (SummaryWriter* w = m.eval_writer(name)) {
    for (const auto& [k, v] : r.metrics)
      if (k != "global_step") w->scalar(k, v, m.step);
    w->flush();
  }
  return r;
}

std::vector<Prediction> Estimator::predict(const InputFn& input) {
  Impl& m = *impl_;
  m.build();
  const HeadOutputs& h = m.model.head;
  std::vector<Output> fetches{m.model.logits};
  if (h.predictions) fetches.push_back(h.predictions);
  if (h.probabilities) fetches.push_back(h.probabilities);
  if (h.class_ids) fetches.push_back(h.class_ids);
  std::vector<Prediction> result;
  auto stream = input();
  while (auto batch = stream->next()) {
    auto out = m.session->run(m.feeds(*batch, false, false), fetches);
    int64_t n = batch->rows, dim = out[0].shape().dim(1);
    for (int64_t i = 0; i < n; ++i) {
      Prediction p;
      const float* lg = out[0].data<float>() + i * dim;
      p.logits.assign(lg, lg + dim);
      size_t k = 1;
      if (h.predictions) p.value = out[k++].data<float>()[i];
      if (h.probabilities) {
        const Tensor& pr = out[k++];
        if (pr.shape().rank() == 1) p.probabilities = {1 - pr.data<float>()[i], pr.data<float>()[i]};
        else p.probabilities.assign(pr.data<float>() + i * dim, pr.data<float>() + (i + 1) * dim);
      }
      if (h.class_ids) {
        p.class_id = out[k++].data<int64_t>()[i];
        const auto& vocab = m.spec.head.label_vocabulary();
        if (!vocab.empty()) p.class_label = vocab[static_cast<size_t>(p.class_id)];
      }
      result.push_back(std::move(p));
    }
  }
  return result;
}

namespace {
class FunctionMetric : public StreamingMetric {
 public:
  using Update = std::function<void(std::vector<double>&, double, double, double)>;
  using Result = std::function<double(const std::vector<double>&)>;
  FunctionMetric(Update u, Result r, size_t n) : update_(std::move(u)), result_(std::move(r)), state_(n, 0.0) {}
  void update(const Tensor& predictions, const Tensor& labels, const Tensor* weights) override {
    int64_t n = labels.num_elements();
    TG_CHECK(predictions.num_elements() == n, "make_metric: one value per example only (not [n, C] probabilities)");
    Tensor p = convert_column(predictions, DType::Float64, "predictions"), l = convert_column(labels, DType::Float64, "labels");
    for (int64_t i = 0; i < n; ++i)
      update_(state_, p.data<double>()[i], l.data<double>()[i], weights ? static_cast<double>(weights->data<float>()[i]) : 1.0);
  }
  double result() const override { return result_(state_); }

 private:
  Update update_;
  Result result_;
  std::vector<double> state_;
};
}  // namespace

MetricFactory make_metric(std::function<void(std::vector<double>&, double, double, double)> update,
                          std::function<double(const std::vector<double>&)> result, size_t state_size) {
  return [=] { return std::make_unique<FunctionMetric>(update, result, state_size); };
}

namespace {
ModelSpec spec_of(Head head, std::vector<Column> linear, std::vector<Column> dnn, std::vector<int64_t> hidden,
                  std::string label) {
  ModelSpec s;
  s.head = std::move(head);
  s.linear_columns = std::move(linear);
  s.dnn_columns = std::move(dnn);
  s.hidden_units = std::move(hidden);
  s.label_column = std::move(label);
  // TensorFlow's linear default: FTRL at min(0.2, 1/sqrt(number of columns)).
  if (!s.linear_columns.empty())
    s.linear_learning_rate = std::min(0.2, 1.0 / std::sqrt(static_cast<double>(s.linear_columns.size())));
  return s;
}
Head classification_head(int64_t n) { return n == 2 ? Head::binary() : Head::multi_class(n); }
}  // namespace

Estimator LinearRegressor(std::vector<Column> c, RunConfig cfg, std::string label) {
  return Estimator(spec_of(Head::regression(), std::move(c), {}, {}, std::move(label)), std::move(cfg));
}
Estimator LinearClassifier(std::vector<Column> c, int64_t n, RunConfig cfg, std::string label) {
  return Estimator(spec_of(classification_head(n), std::move(c), {}, {}, std::move(label)), std::move(cfg));
}
Estimator DNNRegressor(std::vector<int64_t> hidden, std::vector<Column> c, RunConfig cfg, std::string label) {
  return Estimator(spec_of(Head::regression(), {}, std::move(c), std::move(hidden), std::move(label)), std::move(cfg));
}
Estimator DNNClassifier(std::vector<int64_t> hidden, std::vector<Column> c, int64_t n, RunConfig cfg, std::string label) {
  return Estimator(spec_of(classification_head(n), {}, std::move(c), std::move(hidden), std::move(label)), std::move(cfg));
}
Estimator DNNLinearCombinedRegressor(std::vector<Column> lin, std::vector<Column> dnn, std::vector<int64_t> hidden,
                                     RunConfig cfg, std::string label) {
  return Estimator(spec_of(Head::regression(), std::move(lin), std::move(dnn), std::move(hidden), std::move(label)),
                   std::move(cfg));
}
Estimator DNNLinearCombinedClassifier(std::vector<Column> lin, std::vector<Column> dnn, std::vector<int64_t> hidden,
                                      int64_t n, RunConfig cfg, std::string label) {
  return Estimator(spec_of(classification_head(n), std::move(lin), std::move(dnn), std::move(hidden), std::move(label)),
                   std::move(cfg));
}

}  // namespace tg::estimator
