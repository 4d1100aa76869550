#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace tg {

namespace {
LogLevel level_from_env() {
  const char* v = std::getenv("TG_LOG_LEVEL");
  if (!v) return LogLevel::Info;
  if (!std::strcmp(v, "debug")) return LogLevel::Debug;
  if (!std::strcmp(v, "warn")) return LogLevel::Warn;
  if (!std::strcmp(v, "error")) return LogLevel::Error;
  return LogLevel::Info;
}
std::atomic<int>& level_ref() {
  static std::atomic<int> level{static_cast<int>(level_from_env())};
  return level;
}
std::string& prefix_ref() {
  static std::string prefix;
  return prefix;
}
void (*&hook_ref())() {
  static void (*hook)() = nullptr;
  return hook;
}
std::mutex& log_mutex() {
  static std::mutex mu;
  return mu;
}
}  // namespace

LogLevel log_level() { return static_cast<LogLevel>(level_ref().load()); }
void set_log_level(LogLevel level) { level_ref().store(static_cast<int>(level)); }

void set_log_prefix(const std::string& prefix) {
  std::lock_guard<std::mutex> lock(log_mutex());
  prefix_ref() = prefix;
}

void set_log_line_hook(void (*hook)()) {
  std::lock_guard<std::mutex> lock(log_mutex());
  hook_ref() = hook;
}

void log_line(LogLevel level, const std::string& message) {
  static const char* names[] = {"D", "I", "W", "E"};
  std::lock_guard<std::mutex> lock(log_mutex());
  if (hook_ref()) hook_ref()();
  std::fprintf(stderr, "[tg %s] %s%s\n", names[static_cast<int>(level)], prefix_ref().c_str(), message.c_str());
}

}  // namespace tg
