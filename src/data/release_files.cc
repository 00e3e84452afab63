#include "merhan/data/release_files.h"

#include <algorithm>

#include "merhan/data/csv_records.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;

fs::path FindFolder(const fs::path& root, const std::vector<std::string>& candidates, const std::string& what) {
  std::error_code ec;
  std::string tried;
  for (const auto& c : candidates) {
    if (fs::is_directory(root / c, ec)) return root / c;
    tried += (tried.empty() ? "" : ", ") + c + "/";
  }
  throw DataError(root.string() + ": no " + what + " folder (looked for " + tried + ")");
}

fs::path FirstExisting(const fs::path& root, const std::vector<std::string>& candidates) {
  std::error_code ec;
  for (const auto& c : candidates) {
    if (fs::is_regular_file(root / c, ec)) return root / c;
  }
  return {};
}

std::vector<fs::path> FilesIn(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.compare(0, 2, "._") == 0) continue;
    if (name.size() > extension.size() &&
        name.compare(name.size() - extension.size(), extension.size(), extension) == 0) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string FirstLine(const std::string& text) {
  const size_t end = text.find_first_of("\r\n");
  return TrimSpaces(text.substr(0, end));
}

void WarnLeftOut(const Corpus& corpus, const std::string& reader) {
  if (corpus.left_out.empty()) return;
  std::string list;
  for (const auto& what : corpus.left_out) list += "\n  " + what;
  log::Warn(Cat(reader, " ", corpus.source, ": left out ", corpus.left_out.size(), " utterance(s):", list));
}

}  // namespace merhan
