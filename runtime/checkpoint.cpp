#include "runtime/checkpoint.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "base/crc32c.h"
#include "base/file_util.h"
#include "base/log.h"

namespace tg {

namespace {

constexpr char kMagic[] = "TGCKPT01";
constexpr uint32_t kVersion = 1;

template <class T>
void put(std::string& s, T v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads fixed-size fields from a byte range, failing with the file's name when it runs out.
class Reader {
 public:
  Reader(const std::string& data, const std::string& path) : data_(data), path_(path) {}
  template <class T>
  T get(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::string_view bytes(size_t n, const char* what) {
    need(n, what);
    std::string_view v(data_.data() + pos_, n);
    pos_ += n;
    return v;
  }
  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  void need(size_t n, const char* what) {
    TG_CHECK(n <= data_.size() - pos_, "checkpoint '", path_, "' is truncated: ", what, " at byte ",
             pos_, " needs ", n, " bytes, ", data_.size() - pos_, " remain");
  }
  const std::string& data_;
  const std::string& path_;
  size_t pos_ = 0;
};

}  // namespace

void save_checkpoint(Session& session, const std::vector<Node*>& variables, const std::string& path) {
  std::string out(kMagic, 8);
  put<uint32_t>(out, kVersion);
  put<uint32_t>(out, static_cast<uint32_t>(variables.size()));
  for (Node* v : variables) {
    Tensor t = session.variable_value(v->out());
    size_t start = out.size();
    put<uint32_t>(out, static_cast<uint32_t>(v->name.size()));
    out += v->name;
    put<uint8_t>(out, static_cast<uint8_t>(t.dtype()));
    put<uint8_t>(out, static_cast<uint8_t>(t.shape().rank()));
    for (int64_t d : t.shape().dims()) put<int64_t>(out, d);
    put<uint64_t>(out, static_cast<uint64_t>(t.bytes()));
    out.append(static_cast<const char*>(t.raw()), t.bytes());
    put<uint32_t>(out, mask_crc32c(crc32c(out.data() + start, out.size() - start)));
  }
  put<uint32_t>(out, mask_crc32c(crc32c(out.data(), out.size())));
  write_file_atomic(path, out);
}

void restore_checkpoint(Session& session, const std::vector<Node*>& variables, const std::string& path) {
  std::string data = read_file(path);
  Reader r(data, path);
  TG_CHECK(r.bytes(8, "the magic") == std::string_view(kMagic, 8), "'", path,
           "' is not a tensorgraph checkpoint");
  uint32_t version = r.get<uint32_t>("the version");
  TG_CHECK(version == kVersion, "checkpoint '", path, "' has version ", version, ", expected ", kVersion);
  uint32_t count = r.get<uint32_t>("the tensor count");
  std::vector<std::pair<std::string, Tensor>> loaded;
  for (uint32_t i = 0; i < count; ++i) {
    size_t start = r.pos();
    uint32_t name_len = r.get<uint32_t>("a name length");
    std::string name(r.bytes(name_len, "a name"));
    auto dtype_code = r.get<uint8_t>("a dtype");
    TG_CHECK(dtype_code <= static_cast<uint8_t>(DType::Bool), "checkpoint '", path, "': tensor '",
             name, "' has an unknown dtype code ", int{dtype_code});
    DType dtype = static_cast<DType>(dtype_code);
    auto rank = r.get<uint8_t>("a rank");
    std::vector<int64_t> dims;
    for (int d = 0; d < rank; ++d) {
      dims.push_back(r.get<int64_t>("a dimension"));
      TG_CHECK(dims.back() >= 0 && dims.back() < (int64_t{1} << 40), "checkpoint '", path,
               "': tensor '", name, "' has a bad dimension ", dims.back());
    }
    Shape shape(dims);
    uint64_t nbytes = r.get<uint64_t>("a byte count");
    TG_CHECK(nbytes == static_cast<uint64_t>(shape.num_elements()) * dtype_size(dtype),
             "checkpoint '", path, "': tensor '", name, "' claims ", nbytes, " bytes for ",
             dtype_name(dtype), shape.to_string());
    std::string_view bytes = r.bytes(nbytes, "tensor data");
    uint32_t want = mask_crc32c(crc32c(data.data() + start, r.pos() - start));
    TG_CHECK(r.get<uint32_t>("a tensor CRC") == want, "checkpoint '", path, "': tensor '", name,
             "' fails its CRC32C check (the file is corrupted)");
    Tensor t(dtype, shape);
    std::memcpy(t.raw(), bytes.data(), nbytes);
    loaded.emplace_back(std::move(name), std::move(t));
  }
  uint32_t want = mask_crc32c(crc32c(data.data(), r.pos()));
  TG_CHECK(r.get<uint32_t>("the file CRC") == want, "checkpoint '", path,
           "' fails its CRC32C check (the file is corrupted)");
  TG_CHECK(r.remaining() == 0, "checkpoint '", path, "' has ", r.remaining(), " stray bytes at the end");
  // Check everything before touching any variable: a restore is all or nothing.
  std::vector<const Tensor*> values;
  for (Node* v : variables) {
    const Tensor* found = nullptr;
    for (const auto& [name, t] : loaded)
      if (name == v->name) found = &t;
    TG_CHECK(found != nullptr, "checkpoint '", path, "' has no value for variable '", v->name, "'");
    Shape want_shape = v->attrs.get<Shape>("shape");
    DType want_dtype = v->attrs.get<DType>("dtype");
    TG_CHECK(found->shape() == want_shape && found->dtype() == want_dtype, "checkpoint '", path,
             "': variable '", v->name, "' is ", dtype_name(want_dtype), want_shape.to_string(),
             " in the graph but ", dtype_name(found->dtype()), found->shape().to_string(), " in the file");
    values.push_back(found);
  }
  for (size_t i = 0; i < variables.size(); ++i) session.set_variable_value(variables[i]->out(), *values[i]);
}

CheckpointManager::CheckpointManager(std::string directory, int keep_max)
    : dir_(std::move(directory)), keep_max_(keep_max) {
  TG_CHECK(keep_max_ > 0, "keep_checkpoint_max must be positive");
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  TG_CHECK(!ec, "cannot create the model directory '", dir_, "': ", ec.message());
}

std::string CheckpointManager::path_for(int64_t step) const {
  return dir_ + "/ckpt-" + std::to_string(step) + ".tgc";
}

std::vector<int64_t> CheckpointManager::steps() const {
  std::vector<int64_t> r;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    std::string n = e.path().filename().string();
    if (n.rfind("ckpt-", 0) != 0 || n.size() < 10 || n.substr(n.size() - 4) != ".tgc") continue;
    try {
      r.push_back(std::stoll(n.substr(5, n.size() - 9)));
    } catch (...) {
    }
  }
  std::sort(r.begin(), r.end());
  return r;
}

std::string CheckpointManager::save(Session& session, const std::vector<Node*>& variables, int64_t step) {
  std::string path = path_for(step);
  save_checkpoint(session, variables, path);
  auto all = steps();
  for (size_t i = 0; i + static_cast<size_t>(keep_max_) < all.size(); ++i)
    std::filesystem::remove(path_for(all[i]));
  return path;
}

int64_t CheckpointManager::restore_latest(Session& session, const std::vector<Node*>& variables) {
  auto all = steps();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    try {
      restore_checkpoint(session, variables, path_for(*it));
      return *it;
    } catch (const Error& e) {
      log_warn("skipping a damaged checkpoint: ", e.what());
    }
  }
  return -1;
}

}  // namespace tg
