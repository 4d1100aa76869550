// Minimal leveled logging to stderr for the layers that may only use the standard library.
// The level comes from TG_LOG_LEVEL (debug, info, warn, error; default info).
#pragma once

#include <string>

#include "error.h"

namespace tg {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };

LogLevel log_level();
void set_log_level(LogLevel level);
void log_line(LogLevel level, const std::string& message);
// Text put before every message, e.g. "rank 1/4 " in a job of several processes ("" = none).
void set_log_prefix(const std::string& prefix);
// Called (under the log's lock) before each line is written, e.g. to clear a progress bar
// drawn in place on the same terminal; nullptr removes it.
void set_log_line_hook(void (*hook)());

template <class... Args>
void log_info(const Args&... args) {
  if (log_level() <= LogLevel::Info) log_line(LogLevel::Info, cat(args...));
}
template <class... Args>
void log_warn(const Args&... args) {
  if (log_level() <= LogLevel::Warn) log_line(LogLevel::Warn, cat(args...));
}
template <class... Args>
void log_debug(const Args&... args) {
  if (log_level() <= LogLevel::Debug) log_line(LogLevel::Debug, cat(args...));
}

}  // namespace tg
