// A generator of plausible New York taxi rides, in the column order of the course's files:
// fare_amount, pickuplon, pickuplat, dropofflon, dropofflat, passengers, key (no header; with
// options, a header line and a pickup_datetime column after fare_amount).
// Fares follow the meter (a base charge and a rate per road kilometre) with noise, airport
// flat fares and tolls, and a few outliers; some rows can be made dirty on purpose (no
// passengers, zero coordinates, non-positive fares) to exercise cleaning.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tg::data {

struct TaxiGeneratorOptions {
  int64_t rows = 10000;
  uint64_t seed = 1;
  int64_t first_key = 0;
  double outlier_fraction = 0.01;  // fares far off the meter
  double dirty_fraction = 0.0;     // rows the taxi filters should remove
  bool header = false;             // a first line naming the columns
  // A pickup_datetime column after fare_amount ("2011-01-28 20:42:59 UTC", 2011-2012), and
  // fares that depend on it: weekday rush hours (7-10, 16-20) cost more (slow traffic and a
  // peak surcharge), nights (20-6) carry a surcharge and are quicker.
  bool timestamps = false;
};

// The column names of the generated files, in order.
std::vector<std::string> taxi_column_names(const TaxiGeneratorOptions& options);

// Writes the rows to path; returns the number of bytes written.
int64_t generate_taxi_csv(const std::string& path, const TaxiGeneratorOptions& options);

// Great-circle distance in kilometres between two (lon, lat) points in degrees.
double haversine_km(double lon1, double lat1, double lon2, double lat2);

}  // namespace tg::data
