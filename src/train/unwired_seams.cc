// PLACEHOLDERS for functions that other parts of merhan implement. Each is a
// weak symbol that throws, so this branch links and says clearly what is not
// wired yet; the real definition (a strong symbol) replaces it at link time
// only if its object file is pulled in, so the lead DELETES each placeholder
// here when wiring the real one:
//   ComputeClassificationReport  <- the metrics module (train/metrics.h)
//   MakeCrossValidationPlan, MakeManifestSource, MakeInferenceBatch <- data layer
//   BuildModel                   <- nn layer (declared in nn/emotion_model.h)
#include "merhan/nn/emotion_model.h"
#include "merhan/train/evaluation.h"
#include "merhan/train/inference.h"
#include "merhan/util/error.h"

namespace merhan {

__attribute__((weak)) ClassificationReport ComputeClassificationReport(const std::vector<int64_t>&,
                                                                       const std::vector<int64_t>&, int) {
  throw InternalError("metrics are not wired in this build (ComputeClassificationReport placeholder)");
}

__attribute__((weak)) CrossValidationPlan MakeCrossValidationPlan(const ExperimentConfig&) {
  throw InternalError("the data layer is not wired in this build (MakeCrossValidationPlan placeholder): "
                      "cannot read the corpus");
}

__attribute__((weak)) std::shared_ptr<BatchSource> MakeManifestSource(const ExperimentConfig&,
                                                                      const std::vector<std::string>&,
                                                                      const std::string& manifest) {
  throw InternalError("the data layer is not wired in this build (MakeManifestSource placeholder): cannot read " +
                      manifest);
}

__attribute__((weak)) Batch MakeInferenceBatch(const ExperimentConfig&, const std::vector<InferenceInput>&) {
  throw InternalError("feature extraction is not wired in this build (MakeInferenceBatch placeholder)");
}

__attribute__((weak)) EmotionModel BuildModel(const ModelOptions& options, const ModelDims&) {
  throw InternalError("models are not wired in this build (BuildModel placeholder): cannot build model.type=" +
                      options.type);
}

}  // namespace merhan
