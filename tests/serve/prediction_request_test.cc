// Taking requests apart: raw, multipart and JSON bodies, and the 4xx answer of
// every malformed one (missing or empty transcript, malformed JSON or base64,
// limits), checked without a network.
#include <gtest/gtest.h>

#include "merhan/serve/prediction_request.h"

namespace merhan {
namespace {

httplib::Request Raw(const std::string& body) {
  httplib::Request r;
  r.body = body;
  r.set_header("Content-Type", "audio/wav");
  return r;
}

httplib::Request Multipart(const std::vector<std::pair<std::string, std::string>>& fields) {
  httplib::Request r;
  r.set_header("Content-Type", "multipart/form-data; boundary=xyz");
  for (const auto& [name, value] : fields) {
    r.files.emplace(name, httplib::MultipartFormData{name, value, name == "audio" ? "clip.wav" : "", ""});
  }
  return r;
}

httplib::Request Json(const std::string& body) {
  httplib::Request r;
  r.body = body;
  r.set_header("Content-Type", "application/json");
  return r;
}

// The status of the HttpError `parse` throws, with its reason in `reason`.
int StatusOf(const httplib::Request& request, bool batch, std::string* reason = nullptr,
             const ServeOptions& limits = {}) {
  try {
    ParsePredictionRequest(request, batch, limits);
  } catch (const HttpError& e) {
    if (reason) *reason = e.what();
    return e.status();
  }
  return 200;
}

TEST(PredictionRequest, RawBodyTakesTheTranscriptFromTheQueryOrAHeader) {
  auto r = Raw("RIFF");
  r.params.emplace("transcript", "hello there");
  r.params.emplace("id", "call-7");
  auto u = ParsePredictionRequest(r, false, {});
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].audio, "RIFF");
  EXPECT_EQ(u[0].transcript, "hello there");
  EXPECT_EQ(u[0].id, "call-7");
  auto h = Raw("RIFF");
  h.set_header("X-Transcript", "from a header");
  u = ParsePredictionRequest(h, false, {});
  EXPECT_EQ(u[0].transcript, "from a header");
  EXPECT_EQ(u[0].id, "utterance-0");
}

TEST(PredictionRequest, MultipartPairsAudioAndTranscriptsInOrder) {
  auto u = ParsePredictionRequest(Multipart({{"audio", "A"}, {"transcript", "one"}}), false, {});
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].id, "clip.wav");
  u = ParsePredictionRequest(Multipart({{"audio", "A"}, {"audio", "B"}, {"transcript", "one"}, {"transcript", "two"}}),
                             true, {});
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[1].audio, "B");
  EXPECT_EQ(u[1].transcript, "two");
}

TEST(PredictionRequest, JsonCarriesBase64Audio) {
  auto u = ParsePredictionRequest(Json(R"({"audio": "Zm9v", "transcript": "hi", "id": "x"})"), false, {});
  EXPECT_EQ(u[0].audio, "foo");
  EXPECT_EQ(u[0].id, "x");
  u = ParsePredictionRequest(Json(R"({"items": [{"audio": "Zm9v", "transcript": "a"},
                                               {"audio": "YmFy", "transcript": "b"}]})"),
                             true, {});
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[1].audio, "bar");
}

TEST(PredictionRequest, MalformedRequestsAre4xxWithAReason) {
  std::string why;
  EXPECT_EQ(StatusOf(Raw("RIFF"), false, &why), 400);
  EXPECT_NE(why.find("transcript"), std::string::npos) << why;
  auto blank = Raw("RIFF");
  blank.params.emplace("transcript", "  \t");
  EXPECT_EQ(StatusOf(blank, false, &why), 400);
  EXPECT_NE(why.find("empty"), std::string::npos) << why;
  auto no_audio = Raw("");
  no_audio.params.emplace("transcript", "hi");
  EXPECT_EQ(StatusOf(no_audio, false, &why), 400);
  EXPECT_EQ(StatusOf(Json("{\"audio\": \"Zm9v\", "), false, &why), 400);
  EXPECT_NE(why.find("malformed JSON"), std::string::npos) << why;
  EXPECT_EQ(StatusOf(Json(R"({"audio": "Zm9", "transcript": "hi"})"), false, &why), 400);
  EXPECT_NE(why.find("base64"), std::string::npos) << why;
  EXPECT_EQ(StatusOf(Json(R"({"audio": 5, "transcript": "hi"})"), false), 400);
  EXPECT_EQ(StatusOf(Json(R"({"items": [{"audio": "Zm9v"}]})"), true, &why), 400);
  EXPECT_NE(why.find("items[0]"), std::string::npos) << why;
  EXPECT_EQ(StatusOf(Multipart({{"audio", "A"}}), false), 400);
  EXPECT_EQ(StatusOf(Multipart({{"audio", "A"}, {"audio", "B"}, {"transcript", "one"}}), true), 400);
  EXPECT_EQ(StatusOf(Multipart({{"audio", "A"}, {"audio", "B"}, {"transcript", "1"}, {"transcript", "2"}}), false), 400)
      << "two utterances to the single endpoint";
  EXPECT_EQ(StatusOf(Raw("RIFF"), true), 400) << "a raw body to the batch endpoint";
}

TEST(PredictionRequest, LimitsAre413) {
  ServeOptions limits;
  limits.max_transcript_chars = 5;
  limits.max_batch_items = 1;
  std::string why;
  auto r = Raw("RIFF");
  r.params.emplace("transcript", "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9");  // 5 characters, 10 bytes
  EXPECT_EQ(StatusOf(r, false, &why, limits), 200);
  r.params.clear();
  r.params.emplace("transcript", "abcdef");
  EXPECT_EQ(StatusOf(r, false, &why, limits), 413);
  EXPECT_NE(why.find("6 characters"), std::string::npos) << why;
  EXPECT_EQ(StatusOf(Multipart({{"audio", "A"}, {"audio", "B"}, {"transcript", "1"}, {"transcript", "2"}}), true, &why,
                     limits),
            413);
}

TEST(PredictionRequest, CountsCodePointsNotBytes) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints("\xE2\x82\xAC\xF0\x9F\x98\x80"), 2u);  // euro sign, an emoji
}

}  // namespace
}  // namespace merhan

namespace merhan {
namespace {

// A model that reads no text (a published speech classifier): the audio alone, in
// every body kind; the same requests without a transcript are refused for any other.
TEST(PredictionRequest, TranscriptMayBeLeftOutWhenTheModelReadsNoText) {
  const auto unused = TranscriptUse::kUnused;
  auto u = ParsePredictionRequest(Raw("RIFF"), false, {}, unused);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].transcript, "");
  u = ParsePredictionRequest(Multipart({{"audio", "A"}, {"audio", "B"}}), true, {}, unused);
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[1].audio, "B");
  u = ParsePredictionRequest(Json(R"({"items": [{"audio": "UklGRg=="}]})"), true, {}, unused);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].audio, "RIFF");
  EXPECT_EQ(StatusOf(Raw("RIFF"), false), 400);
  EXPECT_EQ(StatusOf(Multipart({{"audio", "A"}}), false), 400);
  EXPECT_EQ(StatusOf(Json(R"({"audio": "UklGRg=="})"), false), 400);
}

}  // namespace
}  // namespace merhan
