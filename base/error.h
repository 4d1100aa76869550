// Errors: one exception type for every user-facing failure, and an internal-invariant check.
//
// tg::Error carries a code (what kind of failure: the codes of TensorFlow's and gRPC's status,
// so that they map one to one onto C status codes, Python exceptions and HTTP statuses), a
// message that names what failed and where, and that context as fields (node, op, file, line),
// so that callers never parse the message. TG_ASSERT guards invariants of the engine itself; it
// throws std::logic_error rather than aborting, so that a bug never takes the embedding program
// down with it.
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tg {

// The one table of error codes: enumerator, number (TensorFlow's TF_Code and gRPC's), name,
// the HTTP status a server answers with, and the Python exception class of the bindings.
#define TG_ERROR_CODES(X)                                                         \
  X(Ok, 0, "OK", 200, "")                                                         \
  X(Cancelled, 1, "CANCELLED", 499, "CancelledError")                             \
  X(Unknown, 2, "UNKNOWN", 500, "UnknownError")                                   \
  X(InvalidArgument, 3, "INVALID_ARGUMENT", 400, "InvalidArgumentError")          \
  X(DeadlineExceeded, 4, "DEADLINE_EXCEEDED", 504, "DeadlineExceededError")       \
  X(NotFound, 5, "NOT_FOUND", 404, "NotFoundError")                               \
  X(AlreadyExists, 6, "ALREADY_EXISTS", 409, "AlreadyExistsError")               \
  X(PermissionDenied, 7, "PERMISSION_DENIED", 403, "PermissionDeniedError")       \
  X(ResourceExhausted, 8, "RESOURCE_EXHAUSTED", 413, "ResourceExhaustedError")    \
  X(FailedPrecondition, 9, "FAILED_PRECONDITION", 400, "FailedPreconditionError") \
  X(Aborted, 10, "ABORTED", 409, "AbortedError")                                  \
  X(OutOfRange, 11, "OUT_OF_RANGE", 400, "OutOfRangeError")                       \
  X(Unimplemented, 12, "UNIMPLEMENTED", 501, "UnimplementedError")                \
  X(Internal, 13, "INTERNAL", 500, "InternalError")                               \
  X(Unavailable, 14, "UNAVAILABLE", 503, "UnavailableError")                      \
  X(DataLoss, 15, "DATA_LOSS", 500, "DataLossError")

enum class ErrorCode : int {
#define TG_ERROR_CODE_ENUM(name, number, text, http, python) name = number,
  TG_ERROR_CODES(TG_ERROR_CODE_ENUM)
#undef TG_ERROR_CODE_ENUM
};

inline constexpr int kNumErrorCodes = 16;

struct ErrorCodeInfo {
  ErrorCode code;
  const char* name;         // "INVALID_ARGUMENT"
  int http_status;          // 400
  const char* python_class; // "InvalidArgumentError" ("" for OK)
};
// The row of the table for a code (Unknown's for a number outside it).
const ErrorCodeInfo& error_code_info(ErrorCode code);
inline const char* error_code_name(ErrorCode code) { return error_code_info(code).name; }

// Where a failure happened, as far as it is known ("" and 0 when not).
struct ErrorContext {
  std::string node;  // graph node
  std::string op;    // its op
  std::string file;  // input file (a CSV, a checkpoint, an export)
  int64_t line = 0;  // line in that file (1-based)
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorCode code = ErrorCode::InvalidArgument,
                 ErrorContext context = {})
      : std::runtime_error(message), code_(code), context_(std::move(context)) {}
  Error(ErrorCode code, const std::string& message, ErrorContext context = {})
      : Error(message, code, std::move(context)) {}

  ErrorCode code() const { return code_; }
  const ErrorContext& context() const { return context_; }

 private:
  ErrorCode code_;
  ErrorContext context_;
};

// Concatenates the arguments with operator<< into one string.
template <class... Args>
std::string cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

// An invalid argument (the common case: bad input from the caller).
template <class... Args>
[[noreturn]] void fail(const Args&... args) {
  throw Error(cat(args...));
}

// A failure of another kind.
template <class... Args>
[[noreturn]] void fail_with(ErrorCode code, const Args&... args) {
  throw Error(code, cat(args...));
}

}  // namespace tg

// User-facing check: throws tg::Error (InvalidArgument) with the streamed message.
#define TG_CHECK(cond, ...)                 \
  do {                                      \
    if (!(cond)) ::tg::fail(__VA_ARGS__);   \
  } while (0)

// The same with another code.
#define TG_CHECK_CODE(cond, code, ...)                              \
  do {                                                              \
    if (!(cond)) ::tg::fail_with(::tg::ErrorCode::code, __VA_ARGS__); \
  } while (0)

// Internal invariant: a failure is a bug in tensorgraph, reported with file and line.
#define TG_ASSERT(cond)                                                                  \
  do {                                                                                   \
    if (!(cond))                                                                         \
      throw std::logic_error(::tg::cat("tensorgraph internal error: ", #cond, " at ",   \
                                       __FILE__, ":", __LINE__));                        \
  } while (0)
