#include "data/line_reader.h"

#include <cerrno>
#include <cstring>

#include "base/error.h"

namespace tg::data {

LineReader::LineReader(std::string path, size_t buffer_bytes, size_t max_record_bytes)
    : path_(std::move(path)), capacity_(buffer_bytes), max_record_(max_record_bytes) {
  file_ = std::fopen(path_.c_str(), "rb");
  if (file_ == nullptr) {
    int e = errno;
    throw Error(cat("cannot open '", path_, "': ", std::strerror(e)),
                e == ENOENT ? ErrorCode::NotFound : ErrorCode::InvalidArgument, ErrorContext{.file = path_});
  }
  buf_.resize(capacity_);
}

LineReader::~LineReader() {
  if (file_) std::fclose(file_);
}

bool LineReader::fill() {
  if (eof_) return false;
  if (begin_ > 0) {  // keep the unfinished record at the front
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);  // one record longer than the buffer
  size_t n = std::fread(buf_.data() + end_, 1, buf_.size() - end_, file_);
  TG_CHECK(!std::ferror(file_), "error reading '", path_, "': ", std::strerror(errno));
  if (n == 0) eof_ = true;
  bytes_read_ += static_cast<int64_t>(n);
  end_ += n;
  if (first_ && end_ - begin_ >= 3 && std::memcmp(buf_.data() + begin_, "\xEF\xBB\xBF", 3) == 0)
    begin_ += 3;
  if (end_ - begin_ >= 3 || eof_) first_ = false;
  return n > 0;
}

bool LineReader::next(std::string_view& record) {
  size_t scan = begin_;
  bool in_quotes = false;
  int64_t newlines = 0;
  while (true) {
    const char* base = buf_.data();
    const void* nl = std::memchr(base + scan, '\n', end_ - scan);
    if (nl) {
      size_t at = static_cast<size_t>(static_cast<const char*>(nl) - base);
      // Quote parity over the segment: an odd count means the newline is inside a field.
      for (const char* q = base + scan; (q = static_cast<const char*>(std::memchr(q, '"', static_cast<size_t>(base + at - q)))); ++q)
        in_quotes = !in_quotes;
      ++newlines;
      if (in_quotes) {
        scan = at + 1;
        continue;
      }
      size_t len = at - begin_;
      if (len > 0 && base[begin_ + len - 1] == '\r') --len;
      std::string_view r(base + begin_, len);
      line_ = next_line_;
      next_line_ += newlines;
      newlines = 0;
      begin_ = at + 1;
      if (r.empty()) {
        scan = begin_;
        continue;  // blank line
      }
      record = r;
      return true;
    }
    TG_CHECK(end_ - begin_ <= max_record_, path_, ":", next_line_, ": a record longer than ", max_record_,
             " bytes (no end of line within it, or a quote never closed); raise the maximum record length if "
             "records are really this long");
    if (!fill()) {
      if (begin_ >= end_) return false;
      // The last record has no final newline.
      const char* b = buf_.data();
      size_t len = end_ - begin_;
      if (b[begin_ + len - 1] == '\r') --len;
      record = std::string_view(b + begin_, len);
      line_ = next_line_;
      begin_ = end_;
      return !record.empty();
    }
    // The buffer moved: rescan the unfinished record from its start.
    in_quotes = false;
    newlines = 0;
    scan = begin_;
  }
}

}  // namespace tg::data
