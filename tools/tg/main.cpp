// The `tg` command line program. Subcommands:
//   tg generate-taxi --rows N --output FILE [--seed S] [--dirty_fraction F]
//   tg split INPUT --output_prefix P [--fractions 0.7 0.15 0.15] [--seed S] [--taxi_filters]
// A wrong flag or value prints one line and exits with status 2; a failure while running
// prints one line and exits with status 1.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "base/error.h"
#include "data/split.h"
#include "data/taxi_generator.h"

namespace {

void add_generate(CLI::App& app, tg::data::TaxiGeneratorOptions& o, std::string& output) {
  auto* c = app.add_subcommand("generate-taxi", "Write a CSV of generated New York taxi rides");
  c->add_option("--rows", o.rows, "number of rides")->check(CLI::PositiveNumber);
  c->add_option("--output", output, "the CSV file to write")->required();
  c->add_option("--seed", o.seed, "random seed");
  c->add_option("--first_key", o.first_key, "key of the first row");
  c->add_option("--outlier_fraction", o.outlier_fraction, "rides with fares far off the meter")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--dirty_fraction", o.dirty_fraction,
                "rides the taxi filters remove (no passengers, zero coordinates, bad fares)")
      ->check(CLI::Range(0.0, 1.0));
}

void add_split(CLI::App& app, tg::data::SplitOptions& o, std::string& input, std::string& prefix,
               bool& taxi) {
  auto* c = app.add_subcommand("split", "Shuffle a CSV with a seed and split it into train/valid/test");
  c->add_option("input", input, "the CSV file to split")->required()->check(CLI::ExistingFile);
  c->add_option("--output_prefix", prefix, "outputs are PREFIX-train.csv, PREFIX-valid.csv, ...")
      ->required();
  c->add_option("--fractions", o.fractions, "fractions of the rows per split (add up to 1)")
      ->expected(1, 16);
  c->add_option("--names", o.names, "names of the splits")->expected(1, 16);
  c->add_option("--seed", o.seed, "random seed of the shuffle");
  c->add_flag("--header", o.header, "the input has a header line (copied to every output)");
  c->add_flag("--taxi_filters", taxi,
              "drop taxi rows without passengers, outside the city or with non-positive fares");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tensorgraph: train, evaluate and serve models from CSV files", "tg"};
  app.require_subcommand(1);
  tg::data::TaxiGeneratorOptions gen;
  tg::data::SplitOptions split;
  std::string output, input, prefix;
  bool taxi = false;
  add_generate(app, gen, output);
  add_split(app, split, input, prefix, taxi);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "tg: error: %s (see tg --help)\n", e.what());
    return 2;
  }
  try {
    if (app.got_subcommand("generate-taxi")) {
      int64_t bytes = tg::data::generate_taxi_csv(output, gen);
      std::printf("wrote %ld rides (%.1f MB) to %s\n", static_cast<long>(gen.rows), bytes / 1e6,
                  output.c_str());
    } else if (app.got_subcommand("split")) {
      if (split.names.size() != split.fractions.size() && split.names.size() == 3) {
        split.names.clear();
        for (size_t i = 0; i < split.fractions.size(); ++i) split.names.push_back("part" + std::to_string(i));
      }
      if (taxi) split.keep = tg::data::taxi_row_filter();
      auto r = tg::data::split_csv(input, prefix, split);
      for (size_t i = 0; i < r.paths.size(); ++i)
        std::printf("%-8s %8ld rows  %s\n", split.names[i].c_str(), static_cast<long>(r.rows[i]),
                    r.paths[i].c_str());
      if (r.dropped) std::printf("dropped  %8ld rows by the filters\n", static_cast<long>(r.dropped));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tg: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
