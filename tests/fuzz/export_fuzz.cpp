// libFuzzer target for loading an export: the input is one version directory packed as
// u32 (little-endian) length of model.json | model.json | variables.tgc. A bad export must be a
// tg::Error from Predictor::load; one that loads must predict two rows or fail with tg::Error.
// Any crash, hang, over-allocation or sanitizer report fails. Seeds are real exports of small
// estimators, written into the corpus at start-up.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

#include "base/file_util.h"
#include "estimator/estimator.h"
#include "fuzz_util.h"
#include "serving/predictor.h"

namespace {

namespace fs = std::filesystem;
using namespace tg;

std::string pack(const std::string& model_json, const std::string& variables) {
  uint32_t n = static_cast<uint32_t>(model_json.size());
  std::string r(4, '\0');
  std::memcpy(r.data(), &n, 4);
  return r + model_json + variables;
}

std::string export_seed(estimator::ModelSpec spec, const fs::path& dir) {
  estimator::Estimator est(std::move(spec));
  std::string version = est.export_model(dir.string());
  return pack(read_file(version + "/model.json"), read_file(version + "/variables.tgc"));
}

fs::path scratch_dir() {
  static fs::path d = fs::path(fuzz::write_scratch(".export", "", 0)).concat("_dir");
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  std::string corpus = fuzz::corpus_dir(*argc, *argv);
  using namespace tg::estimator;
  fs::path seeds = scratch_dir() / "seeds";
  fs::remove_all(seeds);
  ModelSpec dnn;
  dnn.dnn_columns = {numeric_column("x", Normalizer{1, 2}),
                     embedding_column(categorical_column_with_vocabulary_list("city", {"a", "b"}), 2)};
  dnn.hidden_units = {4, 3};
  dnn.label_column = "y";
  fuzz::add_seed(corpus, "dnn_regressor", export_seed(dnn, seeds / "dnn"));
  ModelSpec linear;
  linear.head = Head::multi_class(3, {"low", "mid", "high"});
  linear.linear_columns = {numeric_column("x"), bucketized_column("z", {0, 1, 2}),
                           indicator_column(categorical_column_with_hash_bucket("city", 7))};
  linear.label_column = "y";
  fuzz::add_seed(corpus, "linear_classifier", export_seed(linear, seeds / "linear"));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  uint32_t n = 0;
  std::memcpy(&n, data, 4);
  if (n > size - 4) return 0;
  fs::path version = scratch_dir() / "1";
  fs::create_directories(version);
  write_file_atomic((version / "model.json").string(), std::string_view(reinterpret_cast<const char*>(data) + 4, n));
  write_file_atomic((version / "variables.tgc").string(),
                    std::string_view(reinterpret_cast<const char*>(data) + 4 + n, size - 4 - n));
  try {
    auto p = serving::Predictor::load(version.string());
    std::map<std::string, Tensor> in;
    for (const auto& s : p->inputs()) {
      Tensor t(s.dtype, Shape{2});  // zeros, or empty strings
      in[s.name] = t;
    }
    p->predict(in);
  } catch (const Error&) {
  }
  return 0;
}
