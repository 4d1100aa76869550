#include "estimator/distributed.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "base/fnv1a.h"
#include "base/log.h"
#include "graph/serialize.h"
#include "runtime/communicator.h"

namespace tg::estimator {

namespace {

Communicator& comm() { return Communicator::world(); }

template <class T>
void append(std::string& out, const std::vector<T>& v) {
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

}  // namespace

int job_rank() { return comm().rank(); }
int job_size() { return comm().size(); }

std::vector<Output> all_outputs(Graph& g) {
  std::vector<Output> r;
  for (const auto& n : g.nodes())
    if (n->num_outputs() > 0) r.push_back(n->out());
  return r;
}

void check_same_graph(const std::vector<Output>& outputs) {
  Communicator& c = comm();
  if (!c.distributed()) return;
  uint64_t mine = fnv1a(serialize_graph(outputs).dump());
  std::vector<uint64_t> all = c.allgather(mine);
  std::string differ;
  int n = 0;
  for (size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0]) differ += (n++ ? ", " : "") + std::to_string(r);
  TG_CHECK_CODE(differ.empty(), FailedPrecondition, "the ranks built different training graphs: the graph of rank",
                n > 1 ? "s " : " ", differ, n > 1 ? " differ" : " differs",
                " from rank 0's. Every rank must run the same command (model, features, flags) on input with the "
                "same columns");
}

void broadcast_variables(Session& session, const std::vector<Node*>& variables) {
  Communicator& c = comm();
  if (!c.distributed()) return;
  std::vector<Tensor> values;
  int64_t total = 0;
  for (Node* v : variables) {
    values.push_back(session.variable_value(v->out()));
    TG_CHECK(values.back().dtype() != DType::String, "cannot broadcast the string variable '", v->name, "'");
    total += static_cast<int64_t>(values.back().bytes());
  }
  std::string buf(static_cast<size_t>(total), '\0');
  size_t at = 0;
  if (c.is_chief())
    for (const Tensor& t : values) {
      std::memcpy(buf.data() + at, t.raw(), t.bytes());
      at += t.bytes();
    }
  c.broadcast(buf.data(), total, 0);
  if (c.is_chief()) return;
  at = 0;
  for (size_t i = 0; i < variables.size(); ++i) {
    Tensor t(values[i].dtype(), values[i].shape());
    std::memcpy(t.raw(), buf.data() + at, t.bytes());
    at += t.bytes();
    session.set_variable_value(variables[i]->out(), t);
  }
}

std::string broadcast_text(const std::string& text) { return comm().broadcast(text, 0); }

bool any_rank(bool mine) {
  Communicator& c = comm();
  if (!c.distributed()) return mine;
  return c.allreduce(int64_t{mine ? 1 : 0}, Reduction::Max) > 0;
}

std::vector<std::string> gather_text(const std::string& mine) { return comm().gather(mine, 0); }

EvalResult reduce_evaluation(MetricAccumulator& local) {
  Communicator& c = comm();
  if (!c.distributed()) return local.result();
  std::vector<double> sums = local.sums();
  c.allreduce(sums.data(), static_cast<int64_t>(sums.size()), DType::Float64, Reduction::Sum);
  // The binary scores, gathered in rank order (the curves sort them: order does not matter).
  const auto& mine = local.scores();
  std::string bytes;
  append(bytes, mine.scores);
  append(bytes, mine.labels);
  append(bytes, mine.weights);
  std::vector<std::string> parts = c.gather(bytes, 0);
  std::string text;
  EvalResult r;
  if (c.is_chief()) {
    MetricAccumulator::Scores all;
    for (const std::string& p : parts) {
      size_t n = p.size() / (3 * sizeof(double));
      const double* d = reinterpret_cast<const double*>(p.data());
      all.scores.insert(all.scores.end(), d, d + n);
      all.labels.insert(all.labels.end(), d + n, d + 2 * n);
      all.weights.insert(all.weights.end(), d + 2 * n, d + 3 * n);
    }
    local.set_sums(sums);
    local.set_scores(std::move(all));
    try {
      r = local.result();
      text = nlohmann::json(r.metrics).dump();
    } catch (const Error& e) {
      text = nlohmann::json{{"error", e.what()}}.dump();
    }
  }
  // Every rank gets rank 0's metrics (or its error), so that every decision that follows
  // (the best model, early stopping) is the same on every rank.
  nlohmann::json j = nlohmann::json::parse(c.broadcast(text, 0));
  if (j.contains("error")) fail(j["error"].get<std::string>());
  if (!c.is_chief()) r.metrics = j.get<MetricMap>();
  return r;
}

namespace {

class Synchronized : public BatchStream {
 public:
  explicit Synchronized(std::unique_ptr<BatchStream> s) : s_(std::move(s)) {}
  std::optional<data::Batch> next() override {
    if (done_) return std::nullopt;
    auto b = s_->next();
    if (any_rank(!b)) {
      done_ = true;
      if (b) log_info("the input of another rank has ended: training stops on every rank");
      return std::nullopt;
    }
    return b;
  }
  bool resume(const data::Position& p) override { return s_->resume(p); }
  std::string source() const override { return s_->source(); }
  std::string position_key() const override { return s_->position_key(); }

 private:
  std::unique_ptr<BatchStream> s_;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<BatchStream> synchronized(std::unique_ptr<BatchStream> stream) {
  if (!comm().distributed()) return stream;
  return std::make_unique<Synchronized>(std::move(stream));
}

}  // namespace tg::estimator
