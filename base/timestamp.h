// Parsing timestamps into calendar parts, for the timestamp feature (the TimestampPart op) and
// for checking timestamp columns where CSV rows are decoded. Accepted forms:
//   "2011-01-28 20:42:59 UTC"         (the taxi data's; " UTC" optional, fractions of seconds too)
//   "2011-01-28T20:42:59+01:00", "...Z", "...+0100"   (ISO 8601, with or without an offset)
//   "2011-01-28"                      (midnight)
//   "1296247379", "1296247379.5"      (unix seconds)
// Parts are of the wall-clock time as written (the hour of "20:42:59+01:00" is 20); the
// seconds since the epoch are of the instant (that one is 19:42:59 UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tg {

struct TimestampParts {
  int64_t epoch_seconds = 0;
  int64_t year = 1970;
  int minute = 0, second = 0;
  int hour = 0;          // 0..23
  int day_of_week = 0;   // 0 Monday .. 6 Sunday
  int day_of_month = 1;  // 1..31
  int month = 1;         // 1..12
  int day_of_year = 1;   // 1..366
};

namespace timestamp_detail {

// Days since 1970-01-01 of a proleptic Gregorian date.
inline int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

inline bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

inline int days_in_month(int64_t y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}

// Reads exactly n digits at s[i..].
inline bool digits(std::string_view s, size_t& i, int n, int64_t& v) {
  v = 0;
  for (int k = 0; k < n; ++k, ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  return true;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

inline int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

inline TimestampParts parts_of(int64_t local_seconds, int64_t offset_seconds) {
  TimestampParts p;
  p.epoch_seconds = local_seconds - offset_seconds;
  int64_t days = floor_div(local_seconds, 86400), secs = local_seconds - days * 86400;
  p.hour = static_cast<int>(secs / 3600);
  p.minute = static_cast<int>(secs / 60 % 60);
  p.second = static_cast<int>(secs % 60);
  p.day_of_week = static_cast<int>(((days % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday (3)
  // civil_from_days
  int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  p.year = y;
  p.day_of_month = static_cast<int>(d);
  p.month = static_cast<int>(m);
  p.day_of_year = static_cast<int>(days - days_from_civil(y, 1, 1) + 1);
  return p;
}

}  // namespace timestamp_detail

// The parts of a number of seconds since the epoch (UTC).
inline TimestampParts timestamp_parts(int64_t epoch_seconds) { return timestamp_detail::parts_of(epoch_seconds, 0); }

// The parts of a timestamp, or nullopt when it is none of the accepted forms.
inline std::optional<TimestampParts> parse_timestamp(std::string_view text) {
  using namespace timestamp_detail;
  std::string_view s = trim(text);
  if (s.empty()) return std::nullopt;
  // Unix seconds: digits, an optional sign and fraction.
  {
    size_t i = s[0] == '-' || s[0] == '+' ? 1 : 0, start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    size_t int_end = i;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    }
    if (i == s.size() && int_end > start && int_end - start <= 12) {
      int64_t v = 0;
      for (size_t k = start; k < int_end; ++k) v = v * 10 + (s[k] - '0');
      if (s[0] == '-') v = -v;
      return parts_of(v, 0);
    }
  }
  size_t i = 0;
  int64_t y, mo, d, h = 0, mi = 0, sec = 0;
  if (!digits(s, i, 4, y) || i >= s.size() || s[i++] != '-' || !digits(s, i, 2, mo) || i >= s.size() || s[i++] != '-' ||
      !digits(s, i, 2, d))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, static_cast<int>(mo))) return std::nullopt;
  int64_t offset = 0;
  if (i < s.size()) {
    if (s[i] != ' ' && s[i] != 'T' && s[i] != 't') return std::nullopt;
    ++i;
    if (!digits(s, i, 2, h) || i >= s.size() || s[i++] != ':' || !digits(s, i, 2, mi)) return std::nullopt;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!digits(s, i, 2, sec)) return std::nullopt;
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        ++i;
        size_t f = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == f) return std::nullopt;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
    while (i < s.size() && s[i] == ' ') ++i;
    std::string_view zone = s.substr(i);
    if (zone.empty() || zone == "Z" || zone == "z" || zone == "UTC" || zone == "GMT") {
    } else if (zone[0] == '+' || zone[0] == '-') {
      size_t k = 1;
      int64_t oh, om = 0;
      if (!digits(zone, k, 2, oh)) return std::nullopt;
      if (k < zone.size() && zone[k] == ':') ++k;
      if (k < zone.size() && !digits(zone, k, 2, om)) return std::nullopt;
      if (k != zone.size() || oh > 23 || om > 59) return std::nullopt;
      offset = (zone[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    } else {
      return std::nullopt;
    }
  }
  return parts_of(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec, offset);
}

}  // namespace tg
