// Scratch directories for tests: one root per test process (its pid in the name), so that two
// test runs on one machine, or the processes ctest runs side by side, never share a folder.
// The root is removed when the process exits normally.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace tg::test {

// Whether this build runs under AddressSanitizer (its quarantine makes resident memory grow).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

inline const std::filesystem::path& process_temp_root() {
  struct Root {
    std::filesystem::path path;
    Root() {
      path = std::filesystem::temp_directory_path() / ("tg_tests_" + std::to_string(::getpid()));
      std::filesystem::create_directories(path);
    }
    ~Root() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static Root root;
  return root.path;
}

// A fresh, empty directory named `name` under this process's root.
inline std::filesystem::path fresh_dir(const std::string& name) {
  std::filesystem::path d = process_temp_root() / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// A path under this process's root (not created), for a single file.
inline std::filesystem::path temp_path(const std::string& name) { return process_temp_root() / name; }

}  // namespace tg::test
