// tg devices: the devices a session would place work on, or why there is no GPU.
#include <cstdio>

#include "runtime/device.h"
#include "tools/tg/commands.h"

namespace tg::cli {

Command add_devices_command(CLI::App& app) {
  auto* c = app.add_subcommand("devices", "List the devices sessions place work on");
  return [c] {
    if (!c->parsed()) return -1;
    std::printf("%s  %s\n", cpu_device()->name().c_str(), cpu_device()->description().c_str());
    for (Device* d : cuda_devices()) std::printf("%s  %s\n", d->name().c_str(), d->description().c_str());
    if (cuda_devices().empty()) std::printf("no GPU: %s\n", cuda_unavailable_reason().c_str());
    return 0;
  };
}

}  // namespace tg::cli
