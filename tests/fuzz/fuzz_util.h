// What the libFuzzer targets share: a per-process scratch file for loaders that read paths,
// and the corpus directory given on the command line (for targets that write their own seeds,
// always in the current format, at start-up).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace tg::fuzz {

// Writes bytes to a file of this process and returns its path.
inline std::string write_scratch(const std::string& suffix, const void* data, size_t size) {
  static const std::string base =
      (std::filesystem::temp_directory_path() / ("tg_fuzz_" + std::to_string(::getpid()))).string();
  std::string path = base + suffix;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return path;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

// The first argument that is not a -flag: libFuzzer's corpus directory, or "" when there is none.
inline std::string corpus_dir(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (argv[i][0] != '-') return argv[i];
  return "";
}

// Writes a seed into the corpus directory (when it is one) unless a file of that name is there.
inline void add_seed(const std::string& dir, const std::string& name, const std::string& bytes) {
  if (dir.empty() || !std::filesystem::is_directory(dir)) return;  // e.g. a crash file to replay
  std::string path = dir + "/" + name;
  if (std::filesystem::exists(path)) return;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return;
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

}  // namespace tg::fuzz
