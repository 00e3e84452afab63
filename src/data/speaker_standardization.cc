#include "merhan/data/speaker_standardization.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

// Below this a feature is constant: dividing by its spread would blow up rounding.
constexpr double kMinStd = 1e-8;

// Sums of values and squares in float64, per feature.
struct Sums {
  std::vector<double> sum, square;
  int64_t rows = 0;

  void Add(const float* x, int64_t rows_in, int64_t cols) {
    if (sum.empty()) {
      sum.assign(static_cast<size_t>(cols), 0.0);
      square.assign(static_cast<size_t>(cols), 0.0);
    }
    for (int64_t r = 0; r < rows_in; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        const double v = x[r * cols + c];
        sum[static_cast<size_t>(c)] += v;
        square[static_cast<size_t>(c)] += v * v;
      }
    }
    rows += rows_in;
  }

  FeatureMoments Moments() const {
    FeatureMoments m;
    m.rows = rows;
    const double n = static_cast<double>(rows);
    for (size_t c = 0; c < sum.size(); ++c) {
      const double mean = sum[c] / n;
      const double sd = std::sqrt(std::max(0.0, square[c] / n - mean * mean));
      m.mean.push_back(mean);
      m.std.push_back(sd < kMinStd ? 1.0 : sd);
    }
    return m;
  }
};

nlohmann::json MomentsJson(const FeatureMoments& m) { return {{"mean", m.mean}, {"std", m.std}, {"rows", m.rows}}; }

FeatureMoments MomentsFromJson(const nlohmann::json& j, const std::string& what) {
  FeatureMoments m;
  m.mean = j.at("mean").get<std::vector<double>>();
  m.std = j.at("std").get<std::vector<double>>();
  m.rows = j.at("rows").get<int64_t>();
  if (m.mean.empty() || m.mean.size() != m.std.size()) throw DataError(what + ": mean and std of different sizes");
  for (double s : m.std) {
    if (!(s > 0) || !std::isfinite(s)) throw DataError(what + ": a standard deviation that is not positive");
  }
  return m;
}

// (B, 1, C) float64 tensors of the mean and std of each item's speaker.
std::pair<torch::Tensor, torch::Tensor> PerItem(const SpeakerStatistics& s, const std::vector<std::string>& speakers,
                                                int64_t cols) {
  const int64_t batch = static_cast<int64_t>(speakers.size());
  torch::Tensor mean = torch::empty({batch, 1, cols}, torch::kFloat64);
  torch::Tensor sd = torch::empty({batch, 1, cols}, torch::kFloat64);
  for (int64_t b = 0; b < batch; ++b) {
    const FeatureMoments& m = s.For(speakers[static_cast<size_t>(b)]);
    if (static_cast<int64_t>(m.mean.size()) != cols) {
      throw DataError(Cat("stream ", s.stream, ": ", cols, " features, but its speaker statistics have ", m.mean.size(),
                          " (data.streams.", s.stream, ".dim changed since they were fitted?)"));
    }
    std::copy(m.mean.begin(), m.mean.end(), mean.data_ptr<double>() + b * cols);
    std::copy(m.std.begin(), m.std.end(), sd.data_ptr<double>() + b * cols);
  }
  return {mean, sd};
}

}  // namespace

const FeatureMoments& SpeakerStatistics::For(const std::string& speaker) const {
  auto it = speakers.find(speaker);
  return it == speakers.end() ? pooled : it->second;
}

nlohmann::json SpeakerStatistics::ToJson() const {
  nlohmann::json j = {{"stream", stream}, {"normalize", StreamNormalizationName(mode)}};
  if (mode != StreamNormalization::kSpeaker) return j;
  j["pooled"] = MomentsJson(pooled);
  j["speakers"] = nlohmann::json::object();
  for (const auto& [speaker, m] : speakers) j["speakers"][speaker] = MomentsJson(m);
  return j;
}

SpeakerStatistics SpeakerStatistics::FromJson(const nlohmann::json& j, const std::string& origin) {
  SpeakerStatistics s;
  try {
    s.stream = j.at("stream").get<std::string>();
    const std::string mode = j.at("normalize").get<std::string>();
    if (mode == StreamNormalizationName(StreamNormalization::kSpeaker)) {
      s.mode = StreamNormalization::kSpeaker;
    } else if (mode == StreamNormalizationName(StreamNormalization::kSpeakerTransductive)) {
      s.mode = StreamNormalization::kSpeakerTransductive;
      return s;
    } else {
      throw DataError(Cat(origin, ": stream ", s.stream, ": unknown per-speaker normalization \"", mode, "\""));
    }
    const std::string what = Cat(origin, ": speaker statistics of stream ", s.stream);
    s.pooled = MomentsFromJson(j.at("pooled"), what);
    for (const auto& [speaker, m] : j.at("speakers").items()) s.speakers[speaker] = MomentsFromJson(m, what);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(Cat(origin, ": malformed speaker statistics: ", e.what()));
  }
  return s;
}

SpeakerStatistics FitSpeakerStatistics(const PrecomputedStreamSpec& spec, const std::vector<Utterance>& utterances,
                                       const std::vector<int64_t>& train, const FeatureLookup& features) {
  if (spec.normalize == StreamNormalization::kNone) throw InternalError("FitSpeakerStatistics: normalize=none");
  std::vector<int64_t> fit = train;
  if (spec.normalize == StreamNormalization::kSpeakerTransductive) {
    fit.resize(utterances.size());
    std::iota(fit.begin(), fit.end(), int64_t{0});
  }
  std::map<std::string, Sums> per_speaker;
  Sums all;
  for (int64_t i : fit) {
    const Utterance& u = utterances.at(static_cast<size_t>(i));
    const FeatureView v = features(u);
    if (v.cols != spec.dim) {
      throw DataError(Cat("utterance ", u.id, ", stream ", spec.name, ": ", v.cols, " features per row, data.streams.",
                          spec.name, ".dim is ", spec.dim));
    }
    per_speaker[u.speaker].Add(v.floats(), v.rows, v.cols);
    all.Add(v.floats(), v.rows, v.cols);
  }
  if (all.rows == 0) {
    throw DataError(Cat("data.streams.", spec.name, ".normalize: no rows to fit speaker statistics on"));
  }
  SpeakerStatistics s;
  s.stream = spec.name;
  s.mode = spec.normalize;
  s.pooled = all.Moments();
  for (const auto& [speaker, sums] : per_speaker) s.speakers[speaker] = sums.Moments();
  return s;
}

void StandardizeBatch(const std::vector<SpeakerStatistics>& stats, const std::vector<std::string>& speakers,
                      Batch* batch) {
  if (static_cast<int64_t>(speakers.size()) != batch->size()) {
    throw InternalError("StandardizeBatch: one speaker per utterance expected");
  }
  for (const SpeakerStatistics& s : stats) {
    auto it = batch->streams.find(s.stream);
    if (it == batch->streams.end()) throw InternalError("StandardizeBatch: the batch has no stream " + s.stream);
    PaddedStream& p = it->second;
    const auto [mean, sd] = PerItem(s, speakers, p.values.size(2));
    p.values = ((p.values.to(torch::kFloat64) - mean.to(p.values.device())) / sd.to(p.values.device()))
                   .to(torch::kFloat32)
                   .masked_fill_(p.mask.logical_not().unsqueeze(-1), 0.0);
  }
}

}  // namespace merhan
