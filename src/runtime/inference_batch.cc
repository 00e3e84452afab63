#include "merhan/runtime/inference_batch.h"

#include <algorithm>
#include <filesystem>

#include "merhan/data/collate.h"
#include "merhan/data/feature_streams.h"
#include "merhan/data/speech_encoder_stream.h"
#include "merhan/data/utterance.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;

TranscriptUse TranscriptUseOf(const ExperimentConfig& config) {
  const StreamSet streams = RequiredStreams(config.model, config.text);
  return streams.Has(StreamKind::kEncoderHidden) || streams.Has(StreamKind::kTokenIds) ? TranscriptUse::kRequired
                                                                                        : TranscriptUse::kUnused;
}

void ValidateInferenceInput(const InferenceInput& input, TranscriptUse transcript) {
  if (input.wav_path.empty()) throw DataError("predict: no wav given for " + input.id);
  if (!fs::exists(input.wav_path)) throw DataError("predict: wav file " + input.wav_path + " does not exist");
  if (!fs::is_regular_file(input.wav_path)) throw DataError("predict: " + input.wav_path + " is not a file");
  if (transcript == TranscriptUse::kRequired && input.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw DataError("predict: the transcript of " + input.wav_path + " is empty");
  }
}

struct InferenceFrontEnd {
  // The training streams' own extractors (the text and speech encoders load on first use).
  std::vector<FeatureStream> streams;
};

namespace {

// The extractors of every stream the model reads: computed kinds, then declared
// streams in the order the cache had them. A stream read from files cannot be
// computed from a wav and a transcript.
std::shared_ptr<InferenceFrontEnd> MakeFrontEnd(const ExperimentConfig& config) {
  auto front_end = std::make_shared<InferenceFrontEnd>();
  const StreamSet required = RequiredStreams(config.model, config.text);
  for (StreamKind kind : required.Kinds()) {
    front_end->streams.push_back(MakeFeatureStream(kind, config.audio, config.mfcc, config.text));
  }
  const std::vector<PrecomputedStreamSpec> specs = ParsePrecomputedStreams(config.data.streams);
  for (const std::string& name : required.Precomputed()) {
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const auto& x) { return x.name == name; });
    if (spec != specs.end() && spec->format == PrecomputedFormat::kSpeechEncoder) {
      front_end->streams.push_back(SpeechEncoderFeatureStream(*spec));
      continue;
    }
    throw UsageError(Cat("the model reads stream \"", name, "\" (data.streams.", name,
                         "), which is read from files, not computed from a wav and a transcript: predict with "
                         "--manifest, with a row for each utterance pointing at its ",
                         name, " features (a column \"", name, "\" naming its .npy file, or data.streams.", name,
                         ".dir/<id>.npy, or the id's tensor in data.streams.", name, ".file)"));
  }
  return front_end;
}

}  // namespace

Batch MakeInferenceBatch(const ExperimentConfig& config, const std::vector<InferenceInput>& inputs,
                         std::shared_ptr<InferenceFrontEnd>* front_end_in) {
  if (inputs.empty()) throw UsageError("nothing to predict");
  std::vector<Utterance> utterances(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    utterances[i].id = inputs[i].id;
    utterances[i].wav_path = inputs[i].wav_path;
    utterances[i].text = inputs[i].text;
  }
  std::shared_ptr<InferenceFrontEnd> local;
  std::shared_ptr<InferenceFrontEnd>& front_end = front_end_in ? *front_end_in : local;
  if (!front_end) front_end = MakeFrontEnd(config);
  std::vector<std::vector<FeatureMatrix>> matrices(front_end->streams.size());
  std::vector<CollateStream> streams;
  for (size_t k = 0; k < front_end->streams.size(); ++k) {
    const FeatureStream& stream = front_end->streams[k];
    for (const Utterance& u : utterances) matrices[k].push_back(stream.extract(u));
    CollateStream s{stream.kind, stream.name, "inference", {}};
    for (const FeatureMatrix& m : matrices[k]) s.items.push_back(ViewOf(m));
    streams.push_back(std::move(s));
  }
  std::vector<std::string> ids;
  for (const auto& in : inputs) ids.push_back(in.id);
  return Collate(std::move(ids), std::vector<int64_t>(inputs.size(), -1), streams);
}

}  // namespace merhan
