#include "merhan/text/wordpiece_tokenizer.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "merhan/text/unicode_text.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

constexpr std::string_view kContinuationPrefix = "##";

// A special token value in tokenizer_config.json is either "[CLS]" or an
// AddedToken object {"content": "[CLS]", ...}.
std::optional<std::string> TokenString(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return std::nullopt;
}

}  // namespace

WordPieceOptions WordPieceOptions::FromTokenizerConfig(const std::string& path) {
  WordPieceOptions o;
  const nlohmann::json j = ReadJsonObjectFile(path);
  try {
    if (j.contains("do_lower_case") && j["do_lower_case"].is_boolean()) o.lower_case = j["do_lower_case"];
    if (j.contains("strip_accents") && j["strip_accents"].is_boolean())
      o.strip_accents = j["strip_accents"].get<bool>();
    if (j.contains("tokenize_chinese_chars") && j["tokenize_chinese_chars"].is_boolean()) {
      o.tokenize_chinese_chars = j["tokenize_chinese_chars"];
    }
    const std::pair<const char*, std::string*> named[] = {{"unk_token", &o.unk_token},
                                                          {"cls_token", &o.cls_token},
                                                          {"sep_token", &o.sep_token},
                                                          {"pad_token", &o.pad_token},
                                                          {"mask_token", &o.mask_token}};
    for (const auto& [key, field] : named) {
      if (j.contains(key)) {
        if (auto s = TokenString(j[key])) *field = *s;
      }
    }
    if (j.contains("additional_special_tokens") && j["additional_special_tokens"].is_array()) {
      for (const auto& t : j["additional_special_tokens"]) {
        if (auto s = TokenString(t)) o.extra_special_tokens.push_back(*s);
      }
    }
    if (j.contains("added_tokens_decoder") && j["added_tokens_decoder"].is_object()) {
      for (const auto& [id, t] : j["added_tokens_decoder"].items()) {
        if (auto s = TokenString(t)) o.extra_special_tokens.push_back(*s);
      }
    }
    // Some configs carry a huge sentinel (1e30) meaning "no limit".
    if (j.contains("model_max_length") && j["model_max_length"].is_number()) {
      const double m = j["model_max_length"].get<double>();
      if (m >= 1 && m < 1e6) o.model_max_length = static_cast<int>(m);
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path + ": unexpected value: " + e.what());
  }
  return o;
}

WordPieceTokenizer::WordPieceTokenizer(Vocabulary vocab, WordPieceOptions options)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
  strip_accents_ = options_.strip_accents.value_or(options_.lower_case);
  model_max_length_ = options_.model_max_length;
  auto require = [&](const std::string& token, const char* role) {
    const int64_t id = vocab_.Find(token);
    if (id < 0) {
      throw DataError(Cat(vocab_.path(), ": special token ", role, " '", token,
                          "' is not in the vocabulary (tokenizer_config.json names it)"));
    }
    return id;
  };
  unk_id_ = require(options_.unk_token, "unk_token");
  template_.cls_id = require(options_.cls_token, "cls_token");
  template_.sep_id = require(options_.sep_token, "sep_token");
  template_.pad_id = require(options_.pad_token, "pad_token");
  std::vector<std::string> specials = {options_.unk_token, options_.cls_token, options_.sep_token, options_.pad_token};
  if (vocab_.Find(options_.mask_token) >= 0) specials.push_back(options_.mask_token);
  for (const auto& t : options_.extra_special_tokens) {
    if (vocab_.Find(t) >= 0) specials.push_back(t);
  }
  std::sort(specials.begin(), specials.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  specials.erase(std::unique(specials.begin(), specials.end()), specials.end());
  for (const auto& t : specials) {
    if (t.empty()) continue;
    specials_.emplace_back(t, vocab_.Find(t));
    if (special_first_bytes_.find(t[0]) == std::string::npos) special_first_bytes_.push_back(t[0]);
  }
  for (int64_t id = 0; id < vocab_.size(); ++id) {
    std::string_view t = vocab_.Token(id);
    if (t.size() > kContinuationPrefix.size() && t.substr(0, kContinuationPrefix.size()) == kContinuationPrefix) {
      t.remove_prefix(kContinuationPrefix.size());
      continuations_[t] = id;
    }
    max_piece_bytes_ = std::max(max_piece_bytes_, t.size());
  }
}

std::string WordPieceTokenizer::IdToToken(int64_t id) const {
  if (id < 0 || id >= vocab_.size()) return options_.unk_token;
  return vocab_.Token(id);
}

std::string WordPieceTokenizer::Describe() const {
  return Cat("WordPiece(", vocab_.path(), ", vocab=", vocab_.size(), ", lower_case=", options_.lower_case,
             ", strip_accents=", strip_accents_, ", tokenize_chinese_chars=", options_.tokenize_chinese_chars,
             ", model_max_length=", model_max_length_, ")");
}

void WordPieceTokenizer::TokenizeToIds(std::string_view text, std::vector<int64_t>* ids) const {
  // Special tokens are matched in the raw text, leftmost then longest, and kept
  // whole (HF added tokens with normalized=false); the text between them is
  // normalized and split on its own.
  size_t segment_start = 0;
  if (!special_first_bytes_.empty()) {
    size_t pos = text.find_first_of(special_first_bytes_);
    while (pos != std::string_view::npos) {
      bool matched = false;
      for (const auto& [token, id] : specials_) {
        if (text.compare(pos, token.size(), token) == 0) {
          TokenizeSegment(text.substr(segment_start, pos - segment_start), ids);
          ids->push_back(id);
          pos += token.size();
          segment_start = pos;
          matched = true;
          break;
        }
      }
      if (!matched) ++pos;
      pos = text.find_first_of(special_first_bytes_, pos);
    }
  }
  TokenizeSegment(text.substr(segment_start), ids);
}

void WordPieceTokenizer::TokenizeSegment(std::string_view text, std::vector<int64_t>* ids) const {
  if (text.empty()) return;
  // Normalize (BertNormalizer): clean, space out CJK, strip accents, lower-case.
  thread_local std::u32string norm;
  norm.clear();
  const bool lower = options_.lower_case;
  size_t pos = 0;
  while (pos < text.size()) {
    const unsigned char b = static_cast<unsigned char>(text[pos]);
    if (b < 0x80) {  // ASCII fast path
      ++pos;
      if (b >= 0x20 && b != 0x7F) {
        norm.push_back(lower && b >= 'A' && b <= 'Z' ? b + 32 : b);
      } else if (b == '\t' || b == '\n' || b == '\r') {
        norm.push_back(' ');
      }  // other ASCII controls are dropped
      continue;
    }
    const char32_t c = unicode::NextCodePoint(text, &pos);
    if (c == 0xFFFD || unicode::IsControl(c)) continue;
    if (unicode::IsWhitespace(c)) {
      norm.push_back(' ');
      continue;
    }
    const bool cjk = options_.tokenize_chinese_chars && unicode::IsCjkIdeograph(c);
    if (cjk) norm.push_back(' ');
    if (strip_accents_) {
      const size_t from = norm.size();
      unicode::AppendStrippedAccents(c, &norm);
      if (lower) {
        thread_local std::u32string decomposed;
        decomposed.assign(norm, from, std::u32string::npos);
        norm.resize(from);
        for (char32_t d : decomposed) unicode::AppendLowercase(d, &norm);
      }
    } else if (lower) {
      unicode::AppendLowercase(c, &norm);
    } else {
      norm.push_back(c);
    }
    if (cjk) norm.push_back(' ');
  }
  // Pre-tokenize (BertPreTokenizer): split on whitespace, isolate punctuation.
  const char32_t* data = norm.data();
  const size_t n = norm.size();
  size_t word_start = 0;
  for (size_t i = 0; i < n; ++i) {
    const char32_t c = data[i];
    if (c == ' ' || (c >= 0x80 && unicode::IsWhitespace(c))) {
      if (i > word_start) WordToIds(data + word_start, data + i, ids);
      word_start = i + 1;
    } else if (unicode::IsPunctuation(c)) {
      if (i > word_start) WordToIds(data + word_start, data + i, ids);
      WordToIds(data + i, data + i + 1, ids);
      word_start = i + 1;
    }
  }
  if (n > word_start) WordToIds(data + word_start, data + n, ids);
}

void WordPieceTokenizer::WordToIds(const char32_t* begin, const char32_t* end, std::vector<int64_t>* ids) const {
  if (end - begin > options_.max_input_chars_per_word) {
    ids->push_back(unk_id_);
    return;
  }
  thread_local std::string word;
  word.clear();
  for (const char32_t* p = begin; p != end; ++p) unicode::AppendUtf8(*p, &word);
  const size_t first_new = ids->size();
  size_t start = 0;
  const std::string_view w(word);
  while (start < w.size()) {
    size_t stop = std::min(w.size(), start + max_piece_bytes_);
    while (stop < w.size() && (static_cast<unsigned char>(w[stop]) & 0xC0) == 0x80) --stop;
    int64_t found = -1;
    while (stop > start) {
      const std::string_view piece = w.substr(start, stop - start);
      if (start == 0) {
        found = vocab_.Find(piece);
      } else {
        auto it = continuations_.find(piece);
        if (it != continuations_.end()) found = it->second;
      }
      if (found >= 0) break;
      do {
        --stop;
      } while (stop > start && (static_cast<unsigned char>(w[stop]) & 0xC0) == 0x80);
    }
    if (found < 0) {  // one missing piece makes the whole word unknown
      ids->resize(first_new);
      ids->push_back(unk_id_);
      return;
    }
    ids->push_back(found);
    start = stop;
  }
}

}  // namespace merhan
