#include "merhan/train/run_directory.h"

#include <ctime>
#include <filesystem>

#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/train/environment.h"

namespace merhan {
namespace fs = std::filesystem;

RunDirectory RunDirectory::Create(const ExperimentConfig& config, const std::vector<std::string>& argv) {
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::gmtime(&now));
  const fs::path parent = fs::path(config.run.out_dir) / config.run.name;
  CreateDirectories(parent.string());
  // Two runs started in the same second get -1, -2, ...: never reuse a directory.
  fs::path dir = parent / stamp;
  for (int i = 1; ; ++i) {
    std::error_code ec;
    if (fs::create_directory(dir, ec)) break;
    if (ec) throw DataError("cannot create run directory " + dir.string() + ": " + ec.message());
    dir = parent / (std::string(stamp) + "-" + std::to_string(i));
  }
  RunDirectory run{dir.string()};
  WriteStringAtomically(run.File("config.json"), config.ToJson().dump(2) + "\n");
  WriteStringAtomically(run.File("environment.json"), CollectRuntimeInfo().ToJson().dump(2) + "\n");
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  WriteStringAtomically(run.File("command.txt"), cmd + "\n");
  return run;
}

}  // namespace merhan
