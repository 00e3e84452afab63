// What a client sent to /v1/predict or /v1/predict/batch, taken apart: the
// utterances (audio bytes, transcript, id) of a raw-body, multipart or JSON
// request, checked against the server's limits before anything is decoded.
#pragma once

#include <httplib.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "merhan/runtime/transcript_use.h"
#include "merhan/serve/serve_options.h"

namespace merhan {

// A request the server refuses: the HTTP status (4xx) and the reason sent back
// as {"error": reason}.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& reason) : std::runtime_error(reason), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct UploadedUtterance {
  std::string id;     // the client's id, else the uploaded file name, else "utterance-<i>"
  std::string audio;  // the file's bytes (wav, or anything libsndfile reads)
  std::string transcript;
};

// /v1/predict: one utterance, as
//  - raw body (the audio) with ?transcript=... or an X-Transcript header (and ?id=),
//  - multipart/form-data with an `audio` file and a `transcript` field (and `id`),
//  - application/json {"audio": base64, "transcript": ..., "id": ...}.
// /v1/predict/batch (`batch` true): several, as multipart (repeated `audio` and
// `transcript` fields, paired in order) or JSON {"items": [{...}, ...]}.
// HttpError 400 (missing or empty field, malformed JSON or base64) or 413
// (transcript or item count over the limits). TranscriptUse::kUnused (a model that
// reads no text, a published speech classifier): transcripts may be left out, and
// those given are not checked.
std::vector<UploadedUtterance> ParsePredictionRequest(const httplib::Request& request, bool batch,
                                                      const ServeOptions& limits,
                                                      TranscriptUse transcript = TranscriptUse::kRequired);

// Unicode code points of UTF-8 text (continuation bytes not counted).
size_t CountCodePoints(const std::string& utf8);

}  // namespace merhan
