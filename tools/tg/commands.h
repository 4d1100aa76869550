// The subcommands of `tg`, each registering its flags on the app and running when chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace tg::cli {

// Adds a subcommand; the returned function runs it (after parsing) and returns the exit code.
using Command = std::function<int()>;
Command add_generate_command(CLI::App& app);
Command add_split_command(CLI::App& app);
Command add_train_command(CLI::App& app);
Command add_evaluate_command(CLI::App& app);
Command add_predict_command(CLI::App& app);
Command add_report_command(CLI::App& app);
Command add_serve_command(CLI::App& app);
Command add_export_onnx_command(CLI::App& app);
Command add_devices_command(CLI::App& app);
Command add_tune_command(CLI::App& app);

}  // namespace tg::cli
