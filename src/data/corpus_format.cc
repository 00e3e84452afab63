#include "merhan/data/corpus_format.h"

#include <algorithm>

#include "merhan/util/error.h"

namespace merhan {
namespace {

struct FormatInfo {
  CorpusFormat format;
  const char* name;
  std::vector<std::string> codes;
  std::map<std::string, std::vector<std::string>> four_class;
};

const std::vector<FormatInfo>& Formats() {
  static const std::vector<FormatInfo> formats = {
      {CorpusFormat::kIemocap,
       "iemocap",
       {"neu", "hap", "exc", "ang", "sad", "fru", "fea", "sur", "dis", "oth", "xxx"},
       {{"neu", {"neu"}}, {"hap", {"hap", "exc"}}, {"ang", {"ang"}}, {"sad", {"sad"}}}},
      {CorpusFormat::kManifest, "manifest", {}, {}},
      {CorpusFormat::kMspPodcast,
       "msp-podcast",
       {"A", "S", "H", "U", "F", "D", "C", "N", "O", "X"},
       {{"neu", {"N"}}, {"hap", {"H"}}, {"ang", {"A"}}, {"sad", {"S"}}}},
      {CorpusFormat::kMeld,
       "meld",
       {"neutral", "joy", "sadness", "anger", "surprise", "fear", "disgust"},
       {{"neu", {"neutral"}}, {"hap", {"joy"}}, {"ang", {"anger"}}, {"sad", {"sadness"}}}},
      {CorpusFormat::kCremaD,
       "crema-d",
       {"ANG", "DIS", "FEA", "HAP", "NEU", "SAD"},
       {{"neu", {"NEU"}}, {"hap", {"HAP"}}, {"ang", {"ANG"}}, {"sad", {"SAD"}}}},
      {CorpusFormat::kRavdess,
       "ravdess",
       {"neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"},
       {{"neu", {"neutral"}}, {"hap", {"happy"}}, {"ang", {"angry"}}, {"sad", {"sad"}}}},
  };
  return formats;
}

const FormatInfo& Info(CorpusFormat format) {
  for (const auto& f : Formats()) {
    if (f.format == format) return f;
  }
  throw InternalError("corpus format without a description");
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

const std::vector<std::string>& CorpusFormatNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& f : Formats()) out.push_back(f.name);
    return out;
  }();
  return names;
}

std::string CorpusFormatName(CorpusFormat format) { return Info(format).name; }

CorpusFormat ParseCorpusFormat(const std::string& name) {
  for (const auto& f : Formats()) {
    if (name == f.name) return f.format;
  }
  throw UsageError("data.format: unknown format '" + name + "' (expected " + Join(CorpusFormatNames()) + ")");
}

const std::vector<std::string>& NativeCodes(CorpusFormat format) { return Info(format).codes; }

std::map<std::string, std::vector<std::string>> DefaultFourClassMerge(CorpusFormat format) {
  return Info(format).four_class;
}

bool HasOfficialSplit(CorpusFormat format) {
  return format == CorpusFormat::kMspPodcast || format == CorpusFormat::kMeld;
}

std::map<std::string, std::vector<std::string>> EffectiveMerge(const DataOptions& options) {
  const CorpusFormat format = ParseCorpusFormat(options.format);
  std::map<std::string, std::vector<std::string>> merge;
  for (auto it = options.merge.begin(); it != options.merge.end(); ++it) {
    if (!it.value().is_array()) throw UsageError("data.merge." + it.key() + ": expected an array of codes");
    for (const auto& code : it.value()) {
      if (!code.is_string()) throw UsageError("data.merge." + it.key() + ": codes must be strings");
      merge[it.key()].push_back(code.get<std::string>());
    }
  }
  const bool release = format != CorpusFormat::kIemocap && format != CorpusFormat::kManifest;
  if (!release) return merge;
  if (options.merge == DataOptions{}.merge) {
    merge.clear();
    const auto four = DefaultFourClassMerge(format);
    for (const auto& c : options.classes) {
      if (four.count(c)) merge[c] = four.at(c);
    }
  }
  const auto& codes = NativeCodes(format);
  auto native = [&](const std::string& code) { return std::find(codes.begin(), codes.end(), code) != codes.end(); };
  for (const auto& [name, list] : merge) {
    for (const auto& code : list) {
      if (!native(code)) {
        throw UsageError("data.merge." + name + ": '" + code + "' is not a " + options.format + " code (" +
                         Join(codes) + ")");
      }
    }
  }
  for (const auto& c : options.classes) {
    if (!merge.count(c) && !native(c)) {
      throw UsageError("data.classes: '" + c + "' is not a " + options.format + " code (" + Join(codes) +
                       "); map it with data.merge, e.g. {\"" + c + "\": [codes]}");
    }
  }
  return merge;
}

}  // namespace merhan
