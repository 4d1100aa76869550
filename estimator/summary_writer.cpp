#include "estimator/summary_writer.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "base/crc32c.h"
#include "base/error.h"
#include "tensorboard.pb.h"  // generated from estimator/proto/tensorboard.proto

namespace tg::estimator {

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

tensorboard::Event new_event(int64_t step) {
  tensorboard::Event e;
  e.set_wall_time(now_seconds());
  e.set_step(step);
  return e;
}

}  // namespace

SummaryWriter::SummaryWriter(const std::string& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  TG_CHECK(!ec, "cannot create the summary directory '", directory, "': ", ec.message());
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  path_ = directory + "/events.out.tfevents." +
          std::to_string(static_cast<int64_t>(now_seconds())) + "." + host + "." + std::to_string(::getpid());
  // A model rebuilt within the same second (a run continued in-process) gets a file of its
  // own, named to sort after the earlier one, as TensorBoard reads them in name order.
  for (int n = 1; std::filesystem::exists(path_); ++n)
    if (!std::filesystem::exists(path_ + "." + std::to_string(n))) path_ += "." + std::to_string(n);
  file_ = std::fopen(path_.c_str(), "wb");
  TG_CHECK(file_ != nullptr, "cannot write '", path_, "': ", std::strerror(errno));
  tensorboard::Event e = new_event(0);
  e.set_file_version("brain.Event:2");
  write_event(e.SerializeAsString());
  flush();
}

SummaryWriter::~SummaryWriter() {
  if (file_) std::fclose(file_);
}

void SummaryWriter::write_event(const std::string& data) {
  uint64_t len = data.size();
  uint32_t len_crc = mask_crc32c(crc32c(&len, sizeof len));
  uint32_t data_crc = mask_crc32c(crc32c(data.data(), data.size()));
  bool ok = std::fwrite(&len, sizeof len, 1, file_) == 1 && std::fwrite(&len_crc, sizeof len_crc, 1, file_) == 1 &&
            std::fwrite(data.data(), 1, data.size(), file_) == data.size() &&
            std::fwrite(&data_crc, sizeof data_crc, 1, file_) == 1;
  TG_CHECK(ok, "error writing '", path_, "'");
}

void SummaryWriter::scalar(const std::string& tag, double value, int64_t step) {
  tensorboard::Event e = new_event(step);
  auto* v = e.mutable_summary()->add_value();
  v->set_tag(tag);
  v->set_simple_value(static_cast<float>(value));
  write_event(e.SerializeAsString());
}

void SummaryWriter::histogram(const std::string& tag, const Tensor& t, int64_t step) {
  TG_CHECK(is_numeric(t.dtype()), "histogram '", tag, "': values must be numeric");
  std::vector<double> v(static_cast<size_t>(t.num_elements()));
  visit_dtype(t.dtype(), [&](auto z) {
    using T = decltype(z);
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(t.data<T>()[i]);
  });
  if (v.empty()) return;
  tensorboard::HistogramProto h;
  double lo = *std::min_element(v.begin(), v.end()), hi = *std::max_element(v.begin(), v.end());
  double sum = 0, sq = 0;
  for (double x : v) sum += x, sq += x * x;
  h.set_min(lo);
  h.set_max(hi);
  h.set_num(static_cast<double>(v.size()));
  h.set_sum(sum);
  h.set_sum_squares(sq);
  const int buckets = 30;
  double width = hi > lo ? (hi - lo) / buckets : 1;
  std::vector<double> counts(buckets, 0);
  for (double x : v) counts[static_cast<size_t>(std::min<double>(buckets - 1, std::floor((x - lo) / width)))] += 1;
  for (int b = 0; b < buckets; ++b) {
    h.add_bucket_limit(lo + width * (b + 1));
    h.add_bucket(counts[static_cast<size_t>(b)]);
  }
  tensorboard::Event e = new_event(step);
  auto* val = e.mutable_summary()->add_value();
  val->set_tag(tag);
  *val->mutable_histo() = h;
  write_event(e.SerializeAsString());
}

void SummaryWriter::graph(const Graph& g) {
  tensorboard::GraphDef def;
  def.mutable_versions()->set_producer(1);
  for (const auto& n : g.nodes()) {
    auto* nd = def.add_node();
    nd->set_name(n->name);
    nd->set_op(n->op);
    nd->set_device(n->device);
    for (const auto& in : n->inputs) nd->add_input(in.name());
    for (const Node* c : n->control_inputs) nd->add_input("^" + c->name);
  }
  tensorboard::Event e = new_event(0);
  e.set_graph_def(def.SerializeAsString());
  write_event(e.SerializeAsString());
}

void SummaryWriter::session_start(int64_t step) {
  tensorboard::Event e = new_event(step);
  e.mutable_session_log()->set_status(tensorboard::SessionLog::START);
  write_event(e.SerializeAsString());
  flush();
}

void SummaryWriter::flush() { std::fflush(file_); }

}  // namespace tg::estimator
