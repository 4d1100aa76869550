// libFuzzer target for the checkpoint reader: arbitrary bytes restored into a small model's
// variables. A damaged file must be a tg::Error; any crash, hang, over-allocation or sanitizer
// report fails. Seeds (valid checkpoints) are written into the corpus at start-up.
#include <cstdint>
#include <string>

#include "base/file_util.h"
#include "fuzz_util.h"
#include "graph/ops.h"
#include "runtime/checkpoint.h"

namespace {

struct Model {
  tg::Graph g;
  std::vector<tg::Node*> vars;
  std::unique_ptr<tg::Session> session;
  Model() {
    using namespace tg;
    Output w = ops::variable(g, {3, 2}, DType::Float32, ops::Initializer::random_normal(0, 1, 7), "w");
    Output b = ops::variable(g, {2}, DType::Float64, ops::Initializer::constant(0.5), "b");
    Output e = ops::variable(g, {4, 1}, DType::Float32, ops::Initializer::zeros(), "dnn/embedding");
    vars = {w.node, b.node, e.node, g.global_step().node};
    session = std::make_unique<Session>(g);
    session->run(ops::global_variables_initializer(g));
  }
};

Model& model() {
  static Model m;
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  std::string dir = tg::fuzz::corpus_dir(*argc, *argv);
  std::string path = tg::fuzz::write_scratch(".seed.tgc", "", 0);
  tg::save_checkpoint(*model().session, model().vars, path);
  tg::fuzz::add_seed(dir, "model.tgc", tg::read_file(path));
  // A subset of the variables: a valid file that does not match the model.
  tg::save_checkpoint(*model().session, {model().vars[0]}, path);
  tg::fuzz::add_seed(dir, "one_variable.tgc", tg::read_file(path));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = tg::fuzz::write_scratch(".tgc", data, size);
  try {
    tg::restore_checkpoint(*model().session, model().vars, path);
  } catch (const tg::Error&) {
  }
  return 0;
}
