// Reads one CSV file as records, a buffer at a time: strips a UTF-8 byte-order mark, CR before
// LF, skips blank lines, keeps a quoted field's newlines inside its record, and accepts a last
// record without a final newline. Memory is the buffer, whatever the file's size: a record
// longer than max_record_bytes (a file without newlines, a runaway quote) is an error naming
// the file and the line where it began, not an ever-growing buffer.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace tg::data {

class LineReader {
 public:
  static constexpr size_t kDefaultMaxRecordBytes = 1 << 20;
  explicit LineReader(std::string path, size_t buffer_bytes = 1 << 20,
                      size_t max_record_bytes = kDefaultMaxRecordBytes);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next record, valid until the next call; false at the end of the file.
  bool next(std::string_view& record);
  // The 1-based line where the last record began.
  int64_t line_number() const { return line_; }
  const std::string& path() const { return path_; }
  int64_t bytes_read() const { return bytes_read_; }

 private:
  bool fill();  // appends more of the file to the buffer; false at the end

  std::string path_;
  std::FILE* file_ = nullptr;
  std::string buf_;
  size_t begin_ = 0, end_ = 0;
  size_t capacity_, max_record_;
  bool eof_ = false, first_ = true;
  int64_t line_ = 0, next_line_ = 1, bytes_read_ = 0;
};

}  // namespace tg::data
