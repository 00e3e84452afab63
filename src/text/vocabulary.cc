#include "merhan/text/vocabulary.h"

#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

Vocabulary Vocabulary::Load(const std::string& path) {
  const std::string content = ReadFileToString(path);
  Vocabulary v;
  v.path_ = path;
  size_t pos = 0;
  size_t line_no = 0;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string::npos) end = content.size();
    ++line_no;
    std::string token = content.substr(pos, end - pos);
    pos = end + 1;
    if (!token.empty() && token.back() == '\r') {
      // HF keeps the '\r' in every token, which silently maps all words to [UNK].
      throw DataError(Cat(path, ":", line_no, ": CRLF line ending; vocab.txt must use '\\n' line endings ",
                          "(convert it, e.g. with dos2unix)"));
    }
    if (token.empty()) {
      throw DataError(
          Cat(path, ":", line_no, ": blank line; every line of vocab.txt is one token and its line number is its id"));
    }
    v.tokens_.push_back(std::move(token));
  }
  if (v.tokens_.empty()) throw DataError(path + ": empty vocabulary");
  v.ids_.reserve(v.tokens_.size() * 2);
  size_t duplicates = 0;
  for (size_t i = 0; i < v.tokens_.size(); ++i) {
    auto [it, inserted] = v.ids_.emplace(std::string_view(v.tokens_[i]), static_cast<int64_t>(i));
    if (!inserted) {
      it->second = static_cast<int64_t>(i);
      ++duplicates;
    }
  }
  if (duplicates) log::Warn(Cat(path, ": ", duplicates, " duplicate tokens (the last id wins, as in HF)"));
  return v;
}

}  // namespace merhan
