#include "runtime/checkpoint.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
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

namespace {
std::vector<std::pair<std::string, Tensor>> decode_checkpoint(const std::string& path, const std::string& data);
}

std::vector<std::pair<std::string, Tensor>> read_checkpoint(const std::string& path) {
  std::string data = read_file(path);
  try {
    return decode_checkpoint(path, data);
  } catch (const Error& e) {
    throw Error(e.what(), ErrorCode::DataLoss, ErrorContext{.file = path});
  }
}

namespace {
std::vector<std::pair<std::string, Tensor>> decode_checkpoint(const std::string& path, const std::string& data) {
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
    // No tensor can hold more elements than the file has bytes: checked before the product
    // of hostile dimensions can overflow.
    uint64_t elements = 1, limit = data.size();
    for (int64_t d : dims) {
      auto u = static_cast<uint64_t>(d);
      elements = u == 0 ? 0 : elements > limit / u ? limit + 1 : elements * u;
    }
    TG_CHECK(elements <= data.size(), "checkpoint '", path, "': tensor '", name, "' has dimensions ",
             Shape(dims).to_string(), ", more elements than the file has bytes");
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
  return loaded;
}

const Tensor* find_tensor(const std::vector<std::pair<std::string, Tensor>>& loaded, const std::string& name) {
  for (const auto& [n, t] : loaded)
    if (n == name) return &t;
  return nullptr;
}

}  // namespace

std::string checkpoint_mismatch(const std::vector<std::pair<std::string, Tensor>>& loaded,
                                const std::vector<Node*>& variables) {
  for (Node* v : variables) {
    const Tensor* found = find_tensor(loaded, v->name);
    Shape want_shape = v->attrs.get<Shape>("shape");
    DType want_dtype = v->attrs.get<DType>("dtype");
    if (!found)
      return cat("it has no value for variable '", v->name, "' (", dtype_name(want_dtype), want_shape.to_string(),
                 " in the graph)");
    if (found->shape() != want_shape || found->dtype() != want_dtype)
      return cat("variable '", v->name, "' is ", dtype_name(want_dtype), want_shape.to_string(),
                 " in the graph but ", dtype_name(found->dtype()), found->shape().to_string(), " in the file");
  }
  return "";
}

void restore_checkpoint(Session& session, const std::vector<Node*>& variables, const std::string& path) {
  auto loaded = read_checkpoint(path);
  // Check everything before touching any variable: a restore is all or nothing.
  std::string mismatch = checkpoint_mismatch(loaded, variables);
  if (!mismatch.empty()) throw CheckpointMismatch(cat("checkpoint '", path, "' holds another model: ", mismatch),
                                                 ErrorCode::FailedPrecondition, ErrorContext{.file = path});
  for (Node* v : variables) session.set_variable_value(v->out(), *find_tensor(loaded, v->name));
}

CheckpointManager::CheckpointManager(std::string directory, int keep_max)
    : dir_(std::move(directory)), keep_max_(keep_max) {
  TG_CHECK(keep_max_ > 0, "keep_checkpoint_max must be positive");
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  TG_CHECK(!ec, "cannot create the model directory '", dir_, "': ", ec.message());
  remove_strays();
}

void CheckpointManager::remove_strays() const {
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    std::string n = e.path().filename().string();
    // name.tmp.<pid>: write_file_atomic's temporary, stray once its writer is gone.
    size_t at = n.rfind(".tmp.");
    if (at != std::string::npos && at + 5 < n.size() &&
        n.find_first_not_of("0123456789", at + 5) == std::string::npos) {
      long pid = std::strtol(n.c_str() + at + 5, nullptr, 10);
      bool gone = pid > 0 && pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
      if (gone) {
        std::error_code ec;
        std::filesystem::remove(e.path(), ec);
        log_info("removed '", e.path().string(), "', left by a process that was stopped while writing it");
      }
    }
  }
}

// A state file is written before its checkpoint: alone, it is the trace of a kill. Only the
// writer removes them, as a reader could catch a state file just before its checkpoint.
void CheckpointManager::remove_lone_states() const {
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    std::string n = e.path().filename().string();
    if (n.rfind("ckpt-", 0) != 0 || n.size() < 11 || n.substr(n.size() - 5) != ".json") continue;
    if (!std::filesystem::exists(dir_ + "/" + n.substr(0, n.size() - 5) + ".tgc")) {
      std::error_code ec;
      std::filesystem::remove(e.path(), ec);
    }
  }
}

std::string CheckpointManager::path_for(int64_t step) const {
  return dir_ + "/ckpt-" + std::to_string(step) + ".tgc";
}

std::string CheckpointManager::state_path_for(int64_t step) const {
  return dir_ + "/ckpt-" + std::to_string(step) + ".json";
}

std::string CheckpointManager::state(int64_t step) const {
  std::string path = state_path_for(step);
  return std::filesystem::exists(path) ? read_file(path) : std::string();
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

std::string CheckpointManager::save(Session& session, const std::vector<Node*>& variables, int64_t step,
                                    const std::string& state) {
  std::string path = path_for(step);
  if (!state.empty()) write_file_atomic(state_path_for(step), state);
  else std::filesystem::remove(state_path_for(step));
  save_checkpoint(session, variables, path);
  auto all = steps();
  for (size_t i = 0; i + static_cast<size_t>(keep_max_) < all.size(); ++i) {
    std::filesystem::remove(path_for(all[i]));
    std::filesystem::remove(state_path_for(all[i]));
  }
  remove_lone_states();
  return path;
}

void CheckpointManager::remove_all() {
  for (int64_t s : steps()) {
    std::filesystem::remove(path_for(s));
    std::filesystem::remove(state_path_for(s));
  }
}

int64_t CheckpointManager::restore_latest(Session& session, const std::vector<Node*>& variables) {
  auto all = steps();
  std::string damage;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    try {
      restore_checkpoint(session, variables, path_for(*it));
      return *it;
    } catch (const CheckpointMismatch&) {
      throw;
    } catch (const Error& e) {
      log_warn("skipping a damaged checkpoint: ", e.what());
      if (damage.empty()) damage = e.what();
    }
  }
  TG_CHECK(all.empty(), "'", dir_, "' holds ", all.size(), all.size() == 1 ? " checkpoint" : " checkpoints",
           " and none loads (the newest: ", damage, ")");
  return -1;
}

}  // namespace tg
