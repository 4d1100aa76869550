// tg generate-taxi and tg split: making and cleaning CSV data.
#include <cstdio>

#include "data/split.h"
#include "data/taxi_generator.h"
#include "tools/tg/commands.h"

namespace tg::cli {

Command add_generate_command(CLI::App& app) {
  auto o = std::make_shared<data::TaxiGeneratorOptions>();
  auto output = std::make_shared<std::string>();
  auto* c = app.add_subcommand("generate-taxi", "Write a CSV of generated New York taxi rides");
  c->option_defaults()->always_capture_default();
  c->add_option("--rows", o->rows, "number of rides")->check(CLI::PositiveNumber);
  c->add_option("--output", *output, "the CSV file to write")->required();
  c->add_option("--seed", o->seed, "random seed");
  c->add_option("--first_key", o->first_key, "key of the first row");
  c->add_flag("--header", o->header, "start with a header line naming the columns");
  c->add_flag("--timestamps", o->timestamps,
              "add a pickup_datetime column (\"2011-01-28 20:42:59 UTC\", after fare_amount) and make fares depend "
              "on the hour and the day: rush hours cost more, nights a surcharge");
  c->add_option("--outlier_fraction", o->outlier_fraction, "rides with fares far off the meter")->check(CLI::Range(0.0, 1.0));
  c->add_option("--dirty_fraction", o->dirty_fraction,
                "rides the taxi filters remove (no passengers, zero coordinates, bad fares)")
      ->check(CLI::Range(0.0, 1.0));
  return [c, o, output] {
    if (!c->parsed()) return -1;
    int64_t bytes = data::generate_taxi_csv(*output, *o);
    std::printf("wrote %ld rides (%.1f MB) to %s\n", static_cast<long>(o->rows), static_cast<double>(bytes) / 1e6,
                output->c_str());
    return 0;
  };
}

Command add_split_command(CLI::App& app) {
  struct Flags {
    data::SplitOptions o;
    std::string input, prefix;
    bool taxi = false;
  };
  auto f = std::make_shared<Flags>();
  auto* c = app.add_subcommand("split", "Shuffle a CSV with a seed and split it into train/valid/test");
  c->option_defaults()->always_capture_default();
  c->add_option("input", f->input, "the CSV file to split")->required()->check(CLI::ExistingFile);
  c->add_option("--output_prefix", f->prefix, "outputs are PREFIX-train.csv, PREFIX-valid.csv, ...")->required();
  c->add_option("--fractions", f->o.fractions, "fractions of the rows per split, adding up to 1: 0.8,0.2 or 0.7 0.15 0.15")
      ->expected(1, 16)->delimiter(',');
  c->add_option("--names", f->o.names, "names of the splits (default: train,valid[,test], or part0,part1,...)")
      ->expected(1, 16)->delimiter(',');
  c->add_option("--seed", f->o.seed, "random seed of the shuffle");
  c->add_flag("--header", f->o.header,
              "the input has a header line (copied to every output; --taxi_filters then find columns by name)");
  c->add_flag("--taxi_filters", f->taxi, "drop taxi rows without passengers, outside the city or with non-positive fares");
  return [c, f] {
    if (!c->parsed()) return -1;
    if (f->o.names.size() != f->o.fractions.size() && c->count("--names") == 0) {
      f->o.names.clear();
      const char* usual[] = {"train", "valid", "test"};
      for (size_t i = 0; i < f->o.fractions.size(); ++i)
        f->o.names.push_back(f->o.fractions.size() <= 3 ? usual[i] : "part" + std::to_string(i));
    }
    f->o.taxi_filters = f->taxi;
    auto r = data::split_csv(f->input, f->prefix, f->o);
    for (size_t i = 0; i < r.paths.size(); ++i)
      std::printf("%-8s %8ld rows  %s\n", f->o.names[i].c_str(), static_cast<long>(r.rows[i]), r.paths[i].c_str());
    if (r.dropped) std::printf("dropped  %8ld rows by the filters\n", static_cast<long>(r.dropped));
    return 0;
  };
}

}  // namespace tg::cli
