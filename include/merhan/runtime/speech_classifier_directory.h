// A published speech emotion classifier as a complete audio-only model: a Hugging
// Face directory of `Wav2Vec2ForSequenceClassification`, `HubertForSequenceClassification`,
// `WavLMForSequenceClassification` or `Data2VecAudioForSequenceClassification` (such as
// the SUPERB emotion models) that `predict --model`, `eval --model` and `serve --model`
// accept as they accept an exported model directory (docs/speech_encoders.md,
// "Published classifiers"). Its encoder computes a speech-encoder stream of the
// directory, float32, one utterance at a time; the head (nn/speech_classification_head.h)
// classifies it. The classes are the config's id2label.
#pragma once

#include <string>

#include "merhan/runtime/loaded_model.h"

namespace merhan {

// The name of the stream the classifier reads (its data.streams entry).
inline constexpr const char* kClassifierStream = "speech";

// DataError naming the directory, the file and the field or tensor for anything that
// does not make a classifier (missing files, an unsupported encoder field, id2label,
// a head tensor missing or of another shape). `device` "" = auto.
LoadedModel LoadSpeechClassifierDirectory(const std::string& dir, const std::string& device = "");

}  // namespace merhan
