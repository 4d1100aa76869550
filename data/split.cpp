#include "data/split.h"

#include <fast_float/fast_float.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>

#include "base/error.h"
#include "data/csv.h"
#include "data/line_reader.h"

namespace tg::data {

SplitResult split_csv(const std::string& input, const std::string& prefix, const SplitOptions& o) {
  TG_CHECK(!o.fractions.empty() && o.fractions.size() == o.names.size(), "split: ",
           o.fractions.size(), " fractions for ", o.names.size(), " names");
  double total = 0;
  for (double f : o.fractions) {
    TG_CHECK(f >= 0, "split: fractions must not be negative");
    total += f;
  }
  TG_CHECK(std::abs(total - 1.0) < 1e-6, "split: fractions add up to ", total, ", not 1");

  LineReader reader(input);
  std::vector<std::string> rows;
  std::string header;
  std::string_view rec;
  SplitResult result;
  bool first = true;
  std::function<bool(std::string_view)> taxi;
  if (o.taxi_filters && !o.header) taxi = taxi_row_filter();
  while (reader.next(rec)) {
    if (first) {
      first = false;
      if (o.header) {
        header.assign(rec);
        if (o.taxi_filters) {
          std::vector<std::string_view> f;
          std::string scratch;
          TG_CHECK(split_fields(rec, f, scratch), input, ":1: unterminated quote in the header");
          taxi = taxi_row_filter(std::vector<std::string>(f.begin(), f.end()));
        }
        continue;
      }
      TG_CHECK(!looks_like_header(rec), "'", input, "' starts with a header line ('",
               rec.size() > 80 ? std::string(rec.substr(0, 80)) + "..." : std::string(rec),
               "'): pass --header to copy it to every output rather than shuffle it into the data");
    }
    if ((!o.keep || o.keep(rec)) && (!taxi || taxi(rec))) rows.emplace_back(rec);
    else ++result.dropped;
  }
  std::mt19937_64 rng(o.seed);
  std::shuffle(rows.begin(), rows.end(), rng);

  size_t start = 0;
  double cumulative = 0;
  for (size_t k = 0; k < o.names.size(); ++k) {
    cumulative += o.fractions[k];
    size_t end = k + 1 == o.names.size() ? rows.size()
                                          : static_cast<size_t>(std::llround(cumulative * static_cast<double>(rows.size())));
    std::string path = prefix + "-" + o.names[k] + ".csv";
    std::FILE* f = std::fopen(path.c_str(), "wb");
    TG_CHECK(f != nullptr, "cannot write '", path, "': ", std::strerror(errno));
    if (o.header) std::fprintf(f, "%s\n", header.c_str());
    for (size_t i = start; i < end; ++i) {
      std::fwrite(rows[i].data(), 1, rows[i].size(), f);
      std::fputc('\n', f);
    }
    TG_CHECK(std::fclose(f) == 0, "error writing '", path, "'");
    result.paths.push_back(path);
    result.rows.push_back(static_cast<int64_t>(end - start));
    start = end;
  }
  return result;
}

std::function<bool(std::string_view)> taxi_row_filter(const std::vector<std::string>& header) {
  std::vector<size_t> at{0, 1, 2, 3, 4, 5};
  if (!header.empty()) {
    const std::vector<std::vector<std::string>> names{{"fare_amount"},
                                                      {"pickuplon", "pickup_longitude"},
                                                      {"pickuplat", "pickup_latitude"},
                                                      {"dropofflon", "dropoff_longitude"},
                                                      {"dropofflat", "dropoff_latitude"},
                                                      {"passengers", "passenger_count"}};
    std::string list;
    for (const auto& h : header) list += (list.empty() ? "" : ", ") + h;
    for (size_t k = 0; k < names.size(); ++k) {
      auto it = header.end();
      for (const auto& n : names[k])
        if (it == header.end()) it = std::find(header.begin(), header.end(), n);
      TG_CHECK(it != header.end(), "taxi filters: the header has no column '", names[k][0], "' (its columns: ", list, ")");
      at[k] = static_cast<size_t>(it - header.begin());
    }
  }
  size_t width = *std::max_element(at.begin(), at.end()) + 1;
  return [at, width](std::string_view rec) {
    std::vector<std::string_view> f;
    std::string scratch;
    if (!split_fields(rec, f, scratch) || f.size() < width) return false;
    double v[6];
    for (size_t i = 0; i < 6; ++i) {
      std::string_view x = f[at[i]];
      auto r = fast_float::from_chars(x.data(), x.data() + x.size(), v[i]);
      if (r.ec != std::errc()) return false;
    }
    auto in_city = [](double lon, double lat) { return lon > -78 && lon < -70 && lat > 37 && lat < 45; };
    return v[0] > 0 && v[5] > 0 && in_city(v[1], v[2]) && in_city(v[3], v[4]);
  };
}

}  // namespace tg::data
