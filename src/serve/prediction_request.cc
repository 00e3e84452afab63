#include "merhan/serve/prediction_request.h"

#include <nlohmann/json.hpp>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"
#include "merhan/util/sha256.h"

namespace merhan {
namespace {

enum class BodyKind { kRaw, kMultipart, kJson };

BodyKind KindOf(const httplib::Request& request) {
  if (request.is_multipart_form_data()) return BodyKind::kMultipart;
  const std::string type = request.get_header_value("Content-Type");
  return type.rfind("application/json", 0) == 0 ? BodyKind::kJson : BodyKind::kRaw;
}

std::vector<std::string> FieldValues(const httplib::Request& request, const std::string& name) {
  std::vector<std::string> values;
  const auto range = request.files.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) values.push_back(it->second.content);
  return values;
}

std::vector<UploadedUtterance> FromMultipart(const httplib::Request& request, bool batch, TranscriptUse use) {
  std::vector<std::string> names;
  const auto audio_range = request.files.equal_range("audio");
  for (auto it = audio_range.first; it != audio_range.second; ++it) names.push_back(it->second.filename);
  const std::vector<std::string> audio = FieldValues(request, "audio");
  std::vector<std::string> transcripts = FieldValues(request, "transcript");
  const std::vector<std::string> ids = FieldValues(request, "id");
  if (audio.empty()) throw HttpError(400, "multipart request without an `audio` file field");
  if (use == TranscriptUse::kUnused && transcripts.empty()) transcripts.assign(audio.size(), "");
  if (transcripts.empty()) throw HttpError(400, "multipart request without a `transcript` field");
  if (!batch && (audio.size() > 1 || transcripts.size() > 1)) {
    throw HttpError(400, "/v1/predict takes one `audio` and one `transcript`; send several to /v1/predict/batch");
  }
  if (audio.size() != transcripts.size()) {
    throw HttpError(400, Cat(audio.size(), " `audio` fields but ", transcripts.size(), " `transcript` fields"));
  }
  if (!ids.empty() && ids.size() != audio.size()) {
    throw HttpError(400, Cat(ids.size(), " `id` fields for ", audio.size(), " utterances"));
  }
  std::vector<UploadedUtterance> out;
  for (size_t i = 0; i < audio.size(); ++i) {
    out.push_back({ids.empty() ? names[i] : ids[i], audio[i], transcripts[i]});
  }
  return out;
}

UploadedUtterance FromJsonItem(nlohmann::json item, const std::string& where, TranscriptUse use) {
  if (!item.is_object()) throw HttpError(400, where + ": expected an object with \"audio\" and \"transcript\"");
  if (use == TranscriptUse::kUnused && !item.contains("transcript")) item["transcript"] = "";
  for (const char* key : {"audio", "transcript"}) {
    if (!item.contains(key)) throw HttpError(400, where + ": no \"" + key + "\"");
    if (!item[key].is_string()) throw HttpError(400, where + ": \"" + key + "\" must be a string");
  }
  if (item.contains("id") && !item["id"].is_string()) throw HttpError(400, where + ": \"id\" must be a string");
  try {
    return {item.value("id", std::string()), DecodeBase64(item["audio"].get<std::string>(), where + ".audio"),
            item["transcript"].get<std::string>()};
  } catch (const DataError& e) {
    throw HttpError(400, e.what());
  }
}

std::vector<UploadedUtterance> FromJson(const httplib::Request& request, bool batch, TranscriptUse use) {
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::exception& e) {
    throw HttpError(400, std::string("malformed JSON body: ") + e.what());
  }
  if (!batch) return {FromJsonItem(body, "body", use)};
  if (!body.is_object() || !body.contains("items") || !body["items"].is_array()) {
    throw HttpError(400, "body: expected {\"items\": [{\"audio\": base64, \"transcript\": ...}, ...]}");
  }
  std::vector<UploadedUtterance> out;
  for (size_t i = 0; i < body["items"].size(); ++i)
    out.push_back(FromJsonItem(body["items"][i], Cat("items[", i, "]"), use));
  return out;
}

std::vector<UploadedUtterance> FromRawBody(const httplib::Request& request, bool batch, TranscriptUse use) {
  if (batch) throw HttpError(400, "/v1/predict/batch takes multipart/form-data or JSON, not a raw body");
  std::string transcript = request.get_param_value("transcript");
  if (transcript.empty()) transcript = request.get_header_value("X-Transcript");
  if (use == TranscriptUse::kRequired && !request.has_param("transcript") && !request.has_header("X-Transcript")) {
    throw HttpError(400, "no transcript: give ?transcript=... or an X-Transcript header with the raw audio body");
  }
  return {{request.get_param_value("id"), request.body, transcript}};
}

// Checks every utterance against the limits; names the utterance when there are several.
void CheckUtterances(std::vector<UploadedUtterance>* utterances, const ServeOptions& limits, TranscriptUse use) {
  if (utterances->empty()) throw HttpError(400, "no utterances in the request");
  if (static_cast<int>(utterances->size()) > limits.max_batch_items) {
    throw HttpError(413, Cat(utterances->size(), " utterances in one request; the limit is ", limits.max_batch_items));
  }
  for (size_t i = 0; i < utterances->size(); ++i) {
    auto& u = (*utterances)[i];
    const std::string who = utterances->size() > 1 ? Cat("utterance ", i, ": ") : "";
    if (u.id.empty()) u.id = Cat("utterance-", i);
    if (u.audio.empty()) throw HttpError(400, who + "the audio is empty");
    if (use == TranscriptUse::kUnused) continue;
    if (u.transcript.find_first_not_of(" \t\r\n") == std::string::npos) {
      throw HttpError(400, who + "the transcript is empty");
    }
    const size_t chars = CountCodePoints(u.transcript);
    if (chars > static_cast<size_t>(limits.max_transcript_chars)) {
      throw HttpError(
          413, Cat(who, "the transcript has ", chars, " characters; the limit is ", limits.max_transcript_chars));
    }
  }
}

}  // namespace

std::vector<UploadedUtterance> ParsePredictionRequest(const httplib::Request& request, bool batch,
                                                      const ServeOptions& limits, TranscriptUse transcript) {
  std::vector<UploadedUtterance> utterances;
  switch (KindOf(request)) {
    case BodyKind::kMultipart: utterances = FromMultipart(request, batch, transcript); break;
    case BodyKind::kJson: utterances = FromJson(request, batch, transcript); break;
    case BodyKind::kRaw: utterances = FromRawBody(request, batch, transcript); break;
  }
  CheckUtterances(&utterances, limits, transcript);
  return utterances;
}

size_t CountCodePoints(const std::string& utf8) {
  size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace merhan
