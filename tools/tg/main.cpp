// The `tg` command line program: train, evaluate, predict, report, serve, split, generate-taxi,
// export-onnx, devices, tune.
// A wrong flag or value prints one line and exits with status 2; a failure while running
// (a missing file or directory among them) prints one line and exits with status 1.
#include <cstdio>
#include <string>

#include "base/error.h"
#include "base/log.h"
#include "runtime/communicator.h"
#include "tools/tg/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"tensorgraph: train, evaluate and predict with models from CSV files", "tg"};
  app.require_subcommand(1);
  std::vector<tg::cli::Command> commands{
      tg::cli::add_train_command(app),    tg::cli::add_evaluate_command(app), tg::cli::add_predict_command(app),
      tg::cli::add_report_command(app),   tg::cli::add_split_command(app),    tg::cli::add_generate_command(app),
      tg::cli::add_serve_command(app),    tg::cli::add_export_onnx_command(app), tg::cli::add_devices_command(app),
      tg::cli::add_tune_command(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A file or directory that does not exist is a failure to run, as the README says (1).
    if (std::string(e.what()).find("does not exist") != std::string::npos) {
      std::fprintf(stderr, "tg: error: %s\n", e.what());
      return 1;
    }
    std::fprintf(stderr, "tg: error: %s (see tg --help)\n", e.what());
    return 2;
  }
  try {
    for (auto& run : commands)
      if (int rc = run(); rc >= 0) return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tg: error: %s%s\n", tg::Communicator::job_label().c_str(), e.what());
    // One rank of several: the others may wait for it in a collective; end them all now.
    tg::Communicator::abort_job_if_distributed(1);
    return 1;
  }
  return 0;
}
