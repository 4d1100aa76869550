// The CSV pipeline alone: parse throughput (MB/s on one core, no prefetch thread) and peak
// resident memory while streaming a file, for the benchmark harness. Prints one JSON line.
//   tg_csv_bench --file taxi.csv [--shuffle_buffer 10000] [--prefetch 0]
#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <string>

#include "data/dataset.h"

// Peak resident memory of this process in MB. VmHWM belongs to the process image, unlike
// getrusage's ru_maxrss, which keeps the high-water mark of the parent it was forked from.
double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return -1;
}

// CPU time of all the process's threads, for throughput per core.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

int main(int argc, char** argv) {
  CLI::App app{"tensorgraph CSV pipeline benchmark"};
  std::string file;
  int64_t shuffle_buffer = 0, batch = 8192;
  int prefetch = 0;
  app.add_option("--file", file, "a taxi CSV file")->required()->check(CLI::ExistingFile);
  app.add_option("--shuffle_buffer", shuffle_buffer, "rows in the shuffle buffer");
  app.add_option("--prefetch", prefetch, "batches prefetched on a background thread");
  app.add_option("--batch", batch, "batch size");
  CLI11_PARSE(app, argc, argv);
  using namespace tg::data;
  try {
    DatasetOptions o;
    o.files = {file};
    o.batch_size = batch;
    o.shuffle_buffer = shuffle_buffer;
    o.prefetch = prefetch;
    CsvDataset ds(o, CsvSchema({{"fare_amount", tg::DType::Float32},
                                {"pickuplon", tg::DType::Float32},
                                {"pickuplat", tg::DType::Float32},
                                {"dropofflon", tg::DType::Float32},
                                {"dropofflat", tg::DType::Float32},
                                {"passengers", tg::DType::Float32},
                                {"key", tg::DType::Int64}}));
    auto start = std::chrono::steady_clock::now();
    double cpu_start = cpu_seconds();
    auto it = ds.iterate();
    int64_t rows = 0;
    double checksum = 0;
    while (auto b = it->next()) {
      rows += b->rows;
      checksum += (*b)["fare_amount"].data<float>()[0];
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double cpu = cpu_seconds() - cpu_start;
    double mb = static_cast<double>(it->epoch_stats().at(0).bytes) / 1e6;
    std::printf("{\"engine\": \"tensorgraph\", \"file_mb\": %.1f, \"rows\": %ld, \"seconds\": %.3f, "
                "\"mb_per_s\": %.1f, \"cpu_seconds\": %.3f, \"mb_per_cpu_s\": %.1f, \"peak_rss_mb\": %.1f, \"shuffle_buffer\": %ld, \"prefetch\": %d, "
                "\"checksum\": %.2f}\n",
                mb, static_cast<long>(rows), s, mb / s, cpu, mb / cpu, peak_rss_mb(),
                static_cast<long>(shuffle_buffer), prefetch, checksum);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
