// Whether a model needs each utterance's transcript: a model whose streams read no
// text (a published speech classifier) takes a wav alone, in predict and in serve's
// requests. Plain C++, so that the request parser (serve/prediction_request.h) stays
// free of LibTorch.
#pragma once

namespace merhan {

enum class TranscriptUse { kRequired, kUnused };

}  // namespace merhan
