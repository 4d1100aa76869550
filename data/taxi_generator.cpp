#include "data/taxi_generator.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

#include "base/error.h"
#include "base/timestamp.h"

namespace tg::data {

double haversine_km(double lon1, double lat1, double lon2, double lat2) {
  const double r = 6371.0, d = M_PI / 180;
  double dlat = (lat2 - lat1) * d, dlon = (lon2 - lon1) * d;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * d) * std::cos(lat2 * d) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * r * std::asin(std::sqrt(std::min(1.0, a)));
}

namespace {

struct Point {
  double lon, lat;
  int airport = 0;  // 1 JFK, 2 LaGuardia
};

// Where rides start: mostly Manhattan, some Brooklyn and Queens, some airports.
Point city_point(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  double p = u(rng);
  if (p < 0.80) return {-74.015 + 0.085 * u(rng), 40.700 + 0.100 * u(rng)};  // Manhattan
  if (p < 0.92) return {-74.000 + 0.150 * u(rng), 40.640 + 0.110 * u(rng)};  // Brooklyn, Queens
  return p < 0.96 ? Point{-73.7822, 40.6437, 1} : Point{-73.8740, 40.7769, 2};
}

void append(std::string& s, double v, int decimals) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  s.append(buf, r.ptr);
}

}  // namespace

std::vector<std::string> taxi_column_names(const TaxiGeneratorOptions& o) {
  std::vector<std::string> n{"fare_amount"};
  if (o.timestamps) n.push_back("pickup_datetime");
  for (const char* c : {"pickuplon", "pickuplat", "dropofflon", "dropofflat", "passengers", "key"}) n.push_back(c);
  return n;
}

int64_t generate_taxi_csv(const std::string& path, const TaxiGeneratorOptions& o) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  TG_CHECK(f != nullptr, "cannot write '", path, "': ", std::strerror(errno));
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> noise(0, 1);
  std::lognormal_distribution<double> trip_km(std::log(2.5), 0.7);
  std::string out;
  int64_t written = 0;
  if (o.header) {
    for (const auto& n : taxi_column_names(o)) out += (out.empty() ? "" : ",") + n;
    out += '\n';
    TG_CHECK(std::fwrite(out.data(), 1, out.size(), f) == out.size(), "error writing '", path, "'");
    written += static_cast<int64_t>(out.size());
  }
  // Pickup times: 2011-01-01 to 2012-12-31, UTC, from a stream of their own (the rides
  // themselves are the same with and without them).
  std::mt19937_64 time_rng(o.seed ^ 0x9e3779b97f4a7c15ULL);
  std::uniform_int_distribution<int64_t> when(1293840000, 1356998399);
  for (int64_t i = 0; i < o.rows; ++i) {
    Point a = city_point(rng), b;
    int airport = a.airport;
    if (airport) {
      b = {-74.010 + 0.06 * u(rng), 40.705 + 0.09 * u(rng)};  // to Manhattan
    } else {
      double km = std::min(trip_km(rng), 25.0), angle = 2 * M_PI * u(rng);
      b = {a.lon + km * std::cos(angle) / 84.3, a.lat + km * std::sin(angle) / 111.0};
    }
    if (u(rng) < 0.5) std::swap(a, b);
    double road_km = 1.3 * haversine_km(a.lon, a.lat, b.lon, b.lat);
    double fare = 2.5 + 1.56 * road_km + 0.35 * road_km * std::abs(noise(rng)) + 0.5 * noise(rng);
    TimestampParts t;
    if (o.timestamps) {
      t = timestamp_parts(when(time_rng));
      bool weekday = t.day_of_week < 5;
      bool rush = weekday && ((t.hour >= 7 && t.hour < 10) || (t.hour >= 16 && t.hour < 20));
      bool night = t.hour >= 20 || t.hour < 6;
      if (rush) fare += 2.0 + 0.6 * road_km + (t.hour >= 16 ? 1.0 : 0.0);  // traffic, and the peak surcharge
      if (night) fare += 0.5 - (t.hour < 6 ? 0.2 * road_km : 0.0);         // surcharge; empty streets
    }
    if (airport == 1) fare = 52.0 + 5.33 * (u(rng) < 0.3);  // JFK flat fare, sometimes a toll
    if (u(rng) < o.outlier_fraction) fare *= 2 + 2 * u(rng);
    fare = std::max(2.5, std::round(fare * 100) / 100);
    int passengers = u(rng) < 0.7 ? 1 : (u(rng) < 0.5 ? 2 : 3 + static_cast<int>(4 * u(rng)));
    if (u(rng) < o.dirty_fraction) {
      switch (static_cast<int>(3 * u(rng))) {
        case 0: passengers = 0; break;
        case 1: a = {0, 0}; break;
        default: fare = -fare; break;
      }
    }
    out.clear();
    append(out, fare, 2);
    if (o.timestamps) {
      char buf[48];
      std::snprintf(buf, sizeof buf, ",%04lld-%02d-%02d %02d:%02d:%02d UTC", static_cast<long long>(t.year), t.month,
                    t.day_of_month, t.hour, t.minute, t.second);
      out += buf;
    }
    for (double v : {a.lon, a.lat, b.lon, b.lat}) {
      out += ',';
      append(out, v, 6);
    }
    out += ',' + std::to_string(passengers) + ',' + std::to_string(o.first_key + i) + '\n';
    TG_CHECK(std::fwrite(out.data(), 1, out.size(), f) == out.size(), "error writing '", path, "'");
    written += static_cast<int64_t>(out.size());
  }
  TG_CHECK(std::fclose(f) == 0, "error closing '", path, "'");
  return written;
}

}  // namespace tg::data
