// tg serve: TensorFlow Serving's REST API over an export directory (see serving/server.h).
// SIGTERM or SIGINT stops it cleanly: in-flight requests finish, threads are joined.
#include <csignal>
#include <cstdio>
#include <thread>

#include "serving/onnx_export.h"
#include "serving/predictor.h"
#include "serving/server.h"
#include "tools/tg/commands.h"

namespace tg::cli {

Command add_serve_command(CLI::App& app) {
  auto o = std::make_shared<serving::ServerOptions>();
  auto max_body_mb = std::make_shared<int>(16);
  auto max_model_memory_mb = std::make_shared<int64_t>(2048);
  auto request_timeout_s = std::make_shared<double>(10);
  auto* c = app.add_subcommand("serve", "Serve an exported model over REST (TensorFlow Serving's API)");
  c->add_option("--model_dir,--export_dir", o->export_dir, "the export directory (holding numbered versions)")
      ->required()->check(CLI::ExistingDirectory);
  c->add_option("--model_name", o->model_name, "the NAME in /v1/models/NAME");
  c->add_option("--host", o->host, "address to bind (127.0.0.1 unless told otherwise)");
  c->add_option("--port", o->port, "port to listen on (0: any free port, printed)")->check(CLI::Range(0, 65535));
  c->add_option("--max_batch_rows", o->max_batch_rows, "rows a request or a batch may hold")->check(CLI::PositiveNumber);
  c->add_option("--batch_timeout_us", o->batch_timeout_us, "how long a request waits for others to batch with")
      ->check(CLI::Range(0, 1000000));
  c->add_option("--max_body_mb", *max_body_mb, "largest request body accepted (chunked or not)")->check(CLI::PositiveNumber);
  c->add_option("--max_model_memory_mb", *max_model_memory_mb,
                "a version whose run on --max_batch_rows rows would need more memory is refused")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  c->add_option("--request_timeout_s", *request_timeout_s, "time a client has to send a whole request")
      ->check(CLI::Range(0.001, 3600.0));
  c->add_option("--max_connections", o->max_connections, "connections open at once (one more is answered 503)")
      ->check(CLI::PositiveNumber);
  c->add_option("--poll_ms", o->poll_ms, "how often to look for a new version")->check(CLI::PositiveNumber);
  return [c, o, max_body_mb, max_model_memory_mb, request_timeout_s] {
    if (!c->parsed()) return -1;
    o->max_body_bytes = static_cast<size_t>(*max_body_mb) << 20;
    o->max_model_memory_bytes = *max_model_memory_mb << 20;
    o->request_timeout_ms = static_cast<int>(*request_timeout_s * 1000);
    // Signals go to one thread, which stops the server; every other thread blocks them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    serving::ModelServer server(*o);
    int port = server.start();
    std::printf("serving model '%s' version %ld at http://%s:%d/v1/models/%s\n", o->model_name.c_str(),
                static_cast<long>(server.latest_version()), o->host.c_str(), port, o->model_name.c_str());
    std::fflush(stdout);
    std::thread waiter([&] {
      int sig = 0;
      sigwait(&signals, &sig);
      server.stop();
    });
    server.wait();
    pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter if stop came another way
    waiter.join();
    std::printf("stopped\n");
    return 0;
  };
}

Command add_export_onnx_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>(), out = std::make_shared<std::string>();
  auto* c = app.add_subcommand("export-onnx", "Convert the latest version of an export to an ONNX model (opset 17)");
  c->add_option("--model_dir,--export_dir", *dir, "the export directory")->required()->check(CLI::ExistingDirectory);
  c->add_option("--output", *out, "the .onnx file to write")->required();
  return [c, dir, out] {
    if (!c->parsed()) return -1;
    auto versions = serving::export_versions(*dir);
    TG_CHECK(!versions.empty(), "'", *dir, "' holds no export version");
    auto p = serving::Predictor::load(*dir + "/" + std::to_string(versions.back()));
    serving::export_onnx(*p, *out);
    std::printf("wrote %s (version %ld, checked by onnx::checker)\n", out->c_str(), static_cast<long>(versions.back()));
    return 0;
  };
}

}  // namespace tg::cli
