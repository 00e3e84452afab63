// Per-speaker standardisation of precomputed streams (data.streams.<name>.normalize)
// against a plain-NumPy reference (scripts/ref_speaker_norm.py; tolerance 1e-6
// absolute on the standardised float32 features), and the non-transductive guarantee:
// normalize=speaker never reads a held-out speaker's features.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "merhan/data/collate.h"
#include "merhan/data/speaker_standardization.h"
#include "merhan/io/npy.h"
#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

constexpr double kTolerance = 1e-6;
constexpr int64_t kDim = 5;

// Three training speakers (A, B, C), one validation (V) and one test speaker (T), each
// with its own offset and scale; feature 4 of speaker A is constant (std 1 path);
// u9 is a pooled vector (one row).
struct Corpus {
  std::vector<Utterance> utterances;
  std::vector<int64_t> train;
  std::map<std::string, FeatureMatrix> features;

  FeatureLookup Lookup(std::set<std::string>* read = nullptr) const {
    return [this, read](const Utterance& u) {
      if (read) read->insert(u.id);
      return ViewOf(features.at(u.id));
    };
  }
};

Corpus MakeCorpus() {
  torch::manual_seed(11);
  Corpus c;
  const std::vector<std::pair<std::string, bool>> speakers = {
      {"A", true}, {"B", true}, {"C", true}, {"V", false}, {"T", false}};
  int n = 0;
  for (size_t s = 0; s < speakers.size(); ++s) {
    const auto offset = 3 * torch::randn({kDim}), scale = 0.5 + 2 * torch::rand({kDim});
    for (int k = 0; k < 3; ++k, ++n) {
      Utterance u;
      u.id = "u" + std::to_string(n);
      u.speaker = speakers[s].first;
      const int64_t rows = n == 9 ? 1 : 2 + (n * 7) % 5;
      auto x = (torch::randn({rows, kDim}) * scale + offset).contiguous();
      if (u.speaker == "A") x.select(1, 4).fill_(2.5);
      FeatureMatrix m;
      m.rows = rows;
      m.cols = kDim;
      m.data.assign(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
      c.features[u.id] = m;
      if (speakers[s].second) c.train.push_back(n);
      c.utterances.push_back(u);
    }
  }
  return c;
}

PrecomputedStreamSpec Spec(StreamNormalization mode) {
  PrecomputedStreamSpec spec;
  spec.name = "ssl";
  spec.dim = kDim;
  spec.normalize = mode;
  return spec;
}

// Every utterance of the corpus as one batch, as it is in the files.
Batch Raw(const Corpus& c) {
  std::vector<std::string> ids;
  CollateStream stream{StreamKind::kPrecomputed, "ssl", "test", {}};
  for (const Utterance& u : c.utterances) {
    ids.push_back(u.id);
    stream.items.push_back(ViewOf(c.features.at(u.id)));
  }
  return Collate(ids, std::vector<int64_t>(ids.size(), 0), {stream});
}

// The same batch standardised with `stats`.
Batch Standardized(const Corpus& c, const SpeakerStatistics& stats) {
  Batch batch = Raw(c);
  std::vector<std::string> speakers;
  for (const Utterance& u : c.utterances) speakers.push_back(u.speaker);
  StandardizeBatch({stats}, speakers, &batch);
  return batch;
}

torch::Tensor Load(const std::string& path) {
  const auto a = ReadNpyFloat(path);
  return torch::from_blob(const_cast<float*>(a.data.data()), a.shape, torch::kFloat32).clone();
}

TEST(SpeakerStandardization, MatchesTheNumPyReference) {
  const Corpus c = MakeCorpus();
  for (StreamNormalization mode : {StreamNormalization::kSpeaker, StreamNormalization::kSpeakerTransductive}) {
    testing::TempDir dir;
    const SpeakerStatistics stats = FitSpeakerStatistics(Spec(mode), c.utterances, c.train, c.Lookup());
    const Batch batch = Standardized(c, stats);
    nlohmann::json index = {{"mode", StreamNormalizationName(mode)}, {"utterances", nlohmann::json::array()}};
    for (size_t i = 0; i < c.utterances.size(); ++i) {
      const Utterance& u = c.utterances[i];
      const FeatureMatrix& m = c.features.at(u.id);
      WriteNpyFloat32(dir.File(u.id + ".npy"), {m.rows, m.cols}, m.data.data());
      const bool train = std::count(c.train.begin(), c.train.end(), static_cast<int64_t>(i)) > 0;
      index["utterances"].push_back({{"id", u.id}, {"speaker", u.speaker}, {"train", train}, {"file", u.id + ".npy"}});
    }
    std::ofstream(dir.File("index.json")) << index.dump(1);
    const auto r = testing::RunCommand(testing::PythonBinary() + " " + testing::SourceDir() +
                                       "/scripts/ref_speaker_norm.py " + dir.File("index.json"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const PaddedStream& s = batch.streams.at("ssl");
    double worst = 0;
    for (size_t i = 0; i < c.utterances.size(); ++i) {
      const auto reference = Load(dir.File(c.utterances[i].id + ".ref.npy"));
      const int64_t rows = s.lengths[static_cast<int64_t>(i)].item<int64_t>();
      ASSERT_EQ(reference.size(0), rows);
      const torch::Tensor item = s.values[static_cast<int64_t>(i)];
      worst = std::max(worst, (item.narrow(0, 0, rows) - reference).abs().max().item<double>());
      EXPECT_EQ(item.narrow(0, rows, item.size(0) - rows).abs().sum().item<double>(), 0);  // padding stays 0
    }
    std::printf("speaker standardisation %s: max |diff| = %.3g\n", StreamNormalizationName(mode), worst);
    EXPECT_LE(worst, kTolerance) << StreamNormalizationName(mode);
    EXPECT_GT((s.values - Raw(c).streams.at("ssl").values).abs().max().item<double>(), 1);  // not an identity
  }
}

TEST(SpeakerStandardization, SpeakerModeNeverReadsHeldOutSpeakers) {
  Corpus c = MakeCorpus();
  std::set<std::string> read;
  const SpeakerStatistics before =
      FitSpeakerStatistics(Spec(StreamNormalization::kSpeaker), c.utterances, c.train, c.Lookup(&read));
  std::set<std::string> train_ids;
  for (int64_t i : c.train) train_ids.insert(c.utterances[static_cast<size_t>(i)].id);
  EXPECT_EQ(read, train_ids);
  EXPECT_EQ(before.speakers.size(), 3u);  // A, B, C only
  EXPECT_EQ(before.speakers.count("T"), 0u);
  EXPECT_EQ(&before.For("T"), &before.pooled);
  EXPECT_EQ(&before.For("V"), &before.pooled);

  // Change the test speaker's features: no statistic and no training speaker's
  // standardised features move.
  const Batch old_batch = Standardized(c, before);
  for (size_t i = 0; i < c.utterances.size(); ++i) {
    if (c.utterances[i].speaker != "T") continue;
    for (float& v : c.features[c.utterances[i].id].data) v = 1000 * v + 77;
  }
  const SpeakerStatistics after =
      FitSpeakerStatistics(Spec(StreamNormalization::kSpeaker), c.utterances, c.train, c.Lookup());
  EXPECT_EQ(after.ToJson(), before.ToJson());
  const Batch new_batch = Standardized(c, after);
  const auto& old_values = old_batch.streams.at("ssl").values;
  const auto& new_values = new_batch.streams.at("ssl").values;
  for (int64_t i : c.train) {
    EXPECT_TRUE(torch::equal(old_values[i], new_values[i])) << c.utterances[static_cast<size_t>(i)].id;
  }

  // The transductive mode does read them: its statistics of T change (the test can fail).
  Corpus fresh = MakeCorpus();
  const PrecomputedStreamSpec transductive = Spec(StreamNormalization::kSpeakerTransductive);
  const auto t_before = FitSpeakerStatistics(transductive, fresh.utterances, fresh.train, fresh.Lookup());
  const auto t_after = FitSpeakerStatistics(transductive, c.utterances, c.train, c.Lookup());
  EXPECT_NE(t_before.speakers.at("T").mean, t_after.speakers.at("T").mean);
  EXPECT_EQ(t_after.speakers.size(), 5u);
}

TEST(SpeakerStandardization, CheckpointJsonRoundTripAndErrors) {
  const Corpus c = MakeCorpus();
  const SpeakerStatistics stats =
      FitSpeakerStatistics(Spec(StreamNormalization::kSpeaker), c.utterances, c.train, c.Lookup());
  const SpeakerStatistics back = SpeakerStatistics::FromJson(stats.ToJson(), "ckpt");
  EXPECT_EQ(back.ToJson(), stats.ToJson());
  EXPECT_TRUE(
      torch::equal(Standardized(c, back).streams.at("ssl").values, Standardized(c, stats).streams.at("ssl").values));
  // The transductive mode keeps no statistics: they are refitted on the data evaluated.
  const auto transductive =
      FitSpeakerStatistics(Spec(StreamNormalization::kSpeakerTransductive), c.utterances, c.train, c.Lookup());
  EXPECT_EQ(transductive.ToJson(), (nlohmann::json{{"stream", "ssl"}, {"normalize", "speaker-transductive"}}));

  auto error = [](const nlohmann::json& j) {
    try {
      SpeakerStatistics::FromJson(j, "ckpt");
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  nlohmann::json bad = stats.ToJson();
  bad["pooled"]["std"][0] = 0.0;
  EXPECT_NE(error(bad).find("ckpt: speaker statistics of stream ssl"), std::string::npos) << error(bad);
  bad = stats.ToJson();
  bad.erase("pooled");
  EXPECT_NE(error(bad).find("ckpt: malformed speaker statistics"), std::string::npos) << error(bad);
  bad = stats.ToJson();
  bad["normalize"] = "global";
  EXPECT_NE(error(bad).find("unknown per-speaker normalization"), std::string::npos) << error(bad);

  // A feature count other than the statistics' is a DataError naming the stream.
  SpeakerStatistics narrow = stats;
  narrow.pooled.mean.pop_back();
  narrow.pooled.std.pop_back();
  EXPECT_THROW(Standardized(c, narrow), DataError);
}

}  // namespace
}  // namespace merhan
