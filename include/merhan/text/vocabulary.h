// A WordPiece vocabulary (vocab.txt: one token per line, id = line number) with
// allocation-free lookups by string_view.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace merhan {

class Vocabulary {
 public:
  // Reads vocab.txt. DataError naming the file and line for CRLF line endings,
  // blank lines inside the file and an empty file; a duplicate token keeps its
  // last id (as HF does) with a warning.
  static Vocabulary Load(const std::string& path);

  // -1 when absent.
  int64_t Find(std::string_view token) const {
    auto it = ids_.find(token);
    return it == ids_.end() ? -1 : it->second;
  }
  const std::string& Token(int64_t id) const { return tokens_.at(static_cast<size_t>(id)); }
  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }
  const std::string& path() const { return path_; }

  Vocabulary() = default;
  Vocabulary(Vocabulary&&) = default;
  Vocabulary& operator=(Vocabulary&&) = default;

 private:
  std::string path_;
  std::vector<std::string> tokens_;  // keys of ids_ point into these strings
  std::unordered_map<std::string_view, int64_t> ids_;
};

}  // namespace merhan
