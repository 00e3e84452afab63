// Running a model over a whole batch source: what training's validation and
// test, `merhan eval` and the driver's calibration share.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "merhan/dist/process_group.h"
#include "merhan/nn/emotion_model.h"
#include "merhan/runtime/batch_source.h"
#include "merhan/runtime/evaluation.h"

namespace merhan {

// The first eight of a batch's utterance ids, for errors that name a batch.
std::string IdList(const std::vector<std::string>& ids);

// Probabilities, predictions and cross-entropy of `model` over `source` (eval
// mode, no gradients, bf16 autocast on CUDA when `bf16`), in the source's
// ResultOrder. DataError naming the batch and its utterances when a probability
// is not finite. With a `group`, `source` is sharded (each rank evaluates whole
// batches) and the ranks' rows are gathered: every rank gets the result one
// process would compute.
EvaluationResult EvaluateModel(EmotionModel& model, BatchSource& source, const torch::Device& device, bool bf16,
                               int num_classes, ProcessGroup* group = nullptr);

}  // namespace merhan
