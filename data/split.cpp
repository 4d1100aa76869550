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
  while (reader.next(rec)) {
    if (first && o.header) header.assign(rec);
    else if (!o.keep || o.keep(rec)) rows.emplace_back(rec);
    else ++result.dropped;
    first = false;
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

std::function<bool(std::string_view)> taxi_row_filter() {
  return [](std::string_view rec) {
    std::vector<std::string_view> f;
    std::string scratch;
    if (!split_fields(rec, f, scratch) || f.size() < 6) return false;
    double v[6];
    for (int i = 0; i < 6; ++i) {
      auto r = fast_float::from_chars(f[static_cast<size_t>(i)].data(),
                                      f[static_cast<size_t>(i)].data() + f[static_cast<size_t>(i)].size(), v[i]);
      if (r.ec != std::errc()) return false;
    }
    auto in_city = [](double lon, double lat) { return lon > -78 && lon < -70 && lat > 37 && lat < 45; };
    return v[0] > 0 && v[5] > 0 && in_city(v[1], v[2]) && in_city(v[3], v[4]);
  };
}

}  // namespace tg::data
