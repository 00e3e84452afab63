// Precomputed streams (data.streams): .npy per utterance (float16/32/64, 1-D or 2-D)
// and one .safetensors per stream, read through the feature cache; bad inputs are
// DataErrors (exit 3) naming the utterance and the file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include <c10/util/Half.h>
#include <nlohmann/json.hpp>

#include "merhan/data/feature_cache.h"
#include "merhan/data/feature_streams.h"
#include "merhan/data/precomputed_stream.h"
#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

using testing::TempDir;

// A little-endian .npy of `descr` ('<f2', '<f4', '<f8') holding `values` converted.
void WriteNpy(const std::string& path, const std::string& descr, const std::vector<int64_t>& shape,
              const std::vector<double>& values, size_t drop_tail_bytes = 0) {
  std::string dims;
  for (int64_t d : shape) dims += std::to_string(d) + ",";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  std::string data;
  for (double v : values) {
    if (descr == "<f8") {
      data.append(reinterpret_cast<const char*>(&v), 8);
    } else if (descr == "<f4") {
      const float f = static_cast<float>(v);
      data.append(reinterpret_cast<const char*>(&f), 4);
    } else {  // float16: exact for the small integers and halves the tests use
      const c10::Half h(static_cast<float>(v));
      data.append(reinterpret_cast<const char*>(&h.x), 2);
    }
  }
  data.resize(data.size() - drop_tail_bytes);
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const char len[2] = {static_cast<char>(header.size() & 0xff), static_cast<char>(header.size() >> 8)};
  out.write(len, 2);
  out << header << data;
}

// A safetensors file of F32 tensors.
void WriteSafetensors(const std::string& path,
                      const std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const auto& [name, t] : tensors) {
    const size_t begin = data.size();
    data.append(reinterpret_cast<const char*>(t.second.data()), t.second.size() * 4);
    header[name] = {{"dtype", "F32"}, {"shape", t.first}, {"data_offsets", {begin, data.size()}}};
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  const uint64_t n = h.size();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << h << data;
}

Utterance Utt(const std::string& id) {
  Utterance u;
  u.id = id;
  return u;
}

PrecomputedStreamSpec NpySpec(const std::string& dir, int64_t dim) {
  return ParsePrecomputedStreams({{"visual", {{"format", "npy"}, {"dir", dir}, {"dim", dim}}}}).at(0);
}

// Runs the stream through a feature cache; returns the DataError's message ("" if none).
std::string EnsureError(const PrecomputedStreamSpec& spec, std::vector<Utterance> utts, const std::string& cache_dir,
                        FeatureCache** keep = nullptr) {
  AssignPrecomputedFiles({spec}, "", &utts);
  const FeatureStream s = PrecomputedFeatureStream(spec);
  static std::unique_ptr<FeatureCache> cache;
  cache = std::make_unique<FeatureCache>(cache_dir, s.name, s.config_json, s.input, s.dtype);
  if (keep) *keep = cache.get();
  try {
    cache->Ensure(utts, s.extract, 1);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST(PrecomputedStream, NpyFloat16To64OneAndTwoDimensionsThroughTheCache) {
  TempDir dir;
  WriteNpy(dir.File("a.npy"), "<f2", {2, 3}, {1, 2, 3, 4.5, 5, -6});
  WriteNpy(dir.File("b.npy"), "<f4", {3}, {0.25, -1, 7});
  WriteNpy(dir.File("c.npy"), "<f8", {1, 3}, {1e-3, 2, 3});
  FeatureCache* cache = nullptr;
  ASSERT_EQ(EnsureError(NpySpec(dir.path(), 3), {Utt("a"), Utt("b"), Utt("c")}, dir.File("cache"), &cache), "");
  const FeatureView a = cache->Get("a"), b = cache->Get("b"), c = cache->Get("c");
  EXPECT_EQ(a.rows, 2);
  EXPECT_EQ(a.cols, 3);
  EXPECT_EQ(a.floats()[3], 4.5f);
  EXPECT_EQ(a.floats()[5], -6.0f);
  EXPECT_EQ(b.rows, 1);  // a 1-D pooled vector is one row
  EXPECT_EQ(b.floats()[0], 0.25f);
  EXPECT_EQ(c.floats()[0], static_cast<float>(1e-3));
}

TEST(PrecomputedStream, BadNpyInputsNameTheUtteranceAndTheFile) {
  TempDir dir;
  WriteNpy(dir.File("ok.npy"), "<f4", {2, 3}, {1, 2, 3, 4, 5, 6});
  WriteNpy(dir.File("dims.npy"), "<f4", {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  WriteNpy(dir.File("nan.npy"), "<f4", {2, 3}, {1, 2, 3, 4, std::nan(""), 6});
  WriteNpy(dir.File("inf.npy"), "<f8", {3}, {1, INFINITY, 3});
  WriteNpy(dir.File("cut.npy"), "<f4", {2, 3}, {1, 2, 3, 4, 5, 6}, /*drop_tail_bytes=*/5);
  WriteNpy(dir.File("rank.npy"), "<f4", {1, 1, 3}, {1, 2, 3});
  const auto spec = NpySpec(dir.path(), 3);
  struct Case {
    const char* id;
    const char* says;
  };
  for (const Case& c : {Case{"missing", "missing.npy"}, Case{"dims", "4 features per row"}, Case{"nan", "NaN at row 1"},
                        Case{"inf", "Inf at row 0"}, Case{"cut", "truncated"}, Case{"rank", "3-D array"}}) {
    const std::string error = EnsureError(spec, {Utt("ok"), Utt(c.id)}, dir.File(std::string("cache-") + c.id));
    EXPECT_NE(error.find(std::string("utterance ") + c.id), std::string::npos) << c.id << ": " << error;
    EXPECT_NE(error.find(std::string(c.id) + ".npy"), std::string::npos) << c.id << ": " << error;
    EXPECT_NE(error.find(c.says), std::string::npos) << c.id << ": " << error;
  }
}

TEST(PrecomputedStream, SafetensorsKeyedByUtteranceId) {
  TempDir dir;
  WriteSafetensors(dir.File("acoustic.safetensors"), {{"u1", {{2, 2}, {1, 2, 3, 4}}}, {"u2", {{2}, {5, 6}}}});
  const auto spec =
      ParsePrecomputedStreams(
          {{"acoustic", {{"format", "safetensors"}, {"file", dir.File("acoustic.safetensors")}, {"dim", 2}}}})
          .at(0);
  FeatureCache* cache = nullptr;
  ASSERT_EQ(EnsureError(spec, {Utt("u1"), Utt("u2")}, dir.File("cache"), &cache), "");
  EXPECT_EQ(cache->Get("u1").rows, 2);
  EXPECT_EQ(cache->Get("u2").rows, 1);
  EXPECT_EQ(cache->Get("u2").floats()[1], 6.0f);
  const std::string error = EnsureError(spec, {Utt("u1"), Utt("u3")}, dir.File("cache2"));
  EXPECT_NE(error.find("utterance u3"), std::string::npos) << error;
  EXPECT_NE(error.find("acoustic.safetensors"), std::string::npos) << error;
  EXPECT_NE(error.find("no tensor"), std::string::npos) << error;
}

TEST(PrecomputedStream, ManifestColumnWinsOverTheSideFolder) {
  TempDir dir;
  const auto spec = NpySpec("/side", 3);
  std::vector<Utterance> utts = {Utt("a"), Utt("b")};
  utts[0].columns["visual"] = "feats/a.npy";
  AssignPrecomputedFiles({spec}, "/data", &utts);
  EXPECT_EQ(utts[0].feature_files.at("visual"), "/data/feats/a.npy");
  EXPECT_EQ(utts[1].feature_files.at("visual"), "/side/b.npy");
}

TEST(PrecomputedStream, ConfigErrorsNameTheKey) {
  auto error = [](const nlohmann::json& j) {
    try {
      ParsePrecomputedStreams(j);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error({{"v", {{"format", "npy"}}}}).find("data.streams.v.dim"), std::string::npos);
  EXPECT_NE(error({{"v", {{"format", "hdf5"}, {"dim", 3}}}}).find("data.streams.v.format"), std::string::npos);
  EXPECT_NE(error({{"v", {{"format", "safetensors"}, {"dim", 3}}}}).find("data.streams.v.file"), std::string::npos);
  EXPECT_NE(error({{"mfcc", {{"dim", 3}}}}).find("data.streams.mfcc"), std::string::npos);
  EXPECT_NE(error({{"v", {{"dim", 3}, {"dims", 4}}}}).find("data.streams.v.dims"), std::string::npos);
  EXPECT_EQ(error({{"v", {{"dim", 3}, {"dir", "x"}}}}), "");
  EXPECT_NE(error({{"v", {{"dim", 3}, {"normalize", "global"}}}})
                .find("data.streams.v.normalize: expected none, speaker "
                      "or speaker-transductive, got \"global\""),
            std::string::npos);
  EXPECT_NE(error({{"v", {{"dim", 3}, {"normalize", true}}}}).find("data.streams.v.normalize"), std::string::npos);
  for (const char* mode : {"none", "speaker", "speaker-transductive"}) {
    const auto spec = ParsePrecomputedStreams({{"v", {{"dim", 3}, {"normalize", mode}}}}).at(0);
    EXPECT_STREQ(StreamNormalizationName(spec.normalize), mode);
  }
  EXPECT_EQ(ParsePrecomputedStreams({{"v", {{"dim", 3}}}}).at(0).normalize, StreamNormalization::kNone);
}

// MER-HAN's branches read the streams model.streams names: a precomputed stream in a
// branch replaces the computed one (no MFCC extracted, no encoder loaded).
TEST(PrecomputedStream, MerhanBranchStreamsDecideWhatIsExtracted) {
  ModelOptions model;
  TextOptions text;
  EXPECT_EQ(RequiredStreams(model, text).ToString(), "mfcc+text");
  model.streams = {"ssl", "text"};
  EXPECT_EQ(RequiredStreams(model, text).ToString(), "text+ssl");
  model.streams = {"audio", "states"};
  EXPECT_EQ(RequiredStreams(model, text).ToString(), "mfcc+states");
  model.streams = {"ssl", "states"};
  EXPECT_EQ(RequiredStreams(model, text).ToString(), "ssl+states");
  model.modalities = "audio";
  model.streams = {"ssl"};
  EXPECT_EQ(RequiredStreams(model, text).ToString(), "ssl");
}

}  // namespace
}  // namespace merhan
