// Manifest corpora (CSV and JSONL): the committed fixture tests/fixtures/data/manifest/
// and bad rows written into temp dirs.
#include <gtest/gtest.h>

#include <filesystem>

#include "merhan/data/corpus.h"
#include "merhan/data/feature_streams.h"
#include "merhan/data/manifest_reader.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;

DataOptions MeldLike() {
  DataOptions o;
  o.format = "manifest";
  o.classes = {"neutral", "joy", "anger"};
  o.merge = nlohmann::json::object();
  return o;
}

void ExpectFixture(const Corpus& c, const std::string& manifest) {
  ASSERT_EQ(c.utterances.size(), 3u);  // "surprise" is not a class: dropped
  ASSERT_EQ(c.counts.dropped.size(), 1u);
  EXPECT_EQ(c.counts.dropped[0], (std::pair<std::string, int>{"surprise", 1}));
  EXPECT_EQ(c.counts.per_class, (std::vector<int>{1, 1, 1}));
  const auto& u1 = c.utterances[0];
  EXPECT_EQ(u1.id, "u1");
  EXPECT_EQ(u1.text, "Hello, world.");
  EXPECT_EQ(u1.label, 1);
  EXPECT_EQ(u1.code, "joy");
  EXPECT_EQ(u1.speaker, "alice");
  EXPECT_EQ(u1.session, 1);
  // Relative to the manifest's folder, not the working directory.
  EXPECT_EQ(fs::path(u1.wav_path), (fs::path(manifest).parent_path() / "wavs/a.wav").lexically_normal());
  EXPECT_TRUE(fs::exists(u1.wav_path));
  EXPECT_EQ(c.utterances[1].text, "She said \"no\" twice.");
  EXPECT_EQ(c.utterances[1].session, 1);
  EXPECT_EQ(c.utterances[2].text, "A line\nthat spans two lines");
  EXPECT_EQ(c.utterances[2].label, 0);
  EXPECT_EQ(c.utterances[2].session, 2);
}

TEST(ManifestReader, CsvFixture) {
  const std::string m = testing::FixtureDir() + "/data/manifest/manifest.csv";
  ExpectFixture(ReadManifest(m, MeldLike()), m);
}

TEST(ManifestReader, JsonlFixture) {
  const std::string m = testing::FixtureDir() + "/data/manifest/manifest.jsonl";
  ExpectFixture(ReadManifest(m, MeldLike()), m);
}

TEST(ManifestReader, ThroughReadCorpus) {
  DataOptions o = MeldLike();
  o.manifest = testing::FixtureDir() + "/data/manifest/manifest.csv";
  EXPECT_EQ(ReadCorpus(o).utterances.size(), 3u);
}

// Writes a manifest next to a copy of the fixture wavs.
std::string Write(const TempDir& dir, const std::string& name, const std::string& content) {
  const fs::path wavs = fs::path(dir.path()) / "wavs";
  if (!fs::exists(wavs)) fs::copy(testing::FixtureDir() + "/data/manifest/wavs", wavs);
  WriteStringAtomically(dir.File(name), content);
  return dir.File(name);
}

std::string ErrorOf(const std::string& manifest, const DataOptions& o) {
  try {
    ReadManifest(manifest, o);
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

TEST(ManifestReader, BadCsvRowsNameTheLine) {
  TempDir dir;
  const std::string header = "id,wav,text,label,speaker\n";
  const std::string good = "u1,wavs/a.wav,hi,joy,alice\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"u2,wavs/b.wav,hi,joy\n", "bad.csv:3: expected 5 fields, found 4"},
      {"u2,wavs/missing.wav,hi,joy,bob\n", "bad.csv:3: wav file not found"},
      {"u1,wavs/b.wav,hi,joy,bob\n", "bad.csv:3: duplicate id 'u1' (first at line 2)"},
      {"u2,wavs/b.wav,hi,,bob\n", "bad.csv:3: empty 'label'"},
      {"u2,wavs/b.wav,\"never closed,joy,bob\n", "bad.csv:3: unterminated quoted field"},
  };
  for (const auto& [row, expected] : cases) {
    const std::string m = Write(dir, "bad.csv", header + good + row);
    const std::string error = ErrorOf(m, MeldLike());
    EXPECT_NE(error.find(expected), std::string::npos) << error;
  }
  // The line of a record after a multi-line quoted field.
  const std::string m =
      Write(dir, "bad.csv", header + "u1,wavs/a.wav,\"two\nlines\",joy,alice\nu2,wavs/nope.wav,x,joy,bob\n");
  EXPECT_NE(ErrorOf(m, MeldLike()).find("bad.csv:4: wav file not found"), std::string::npos) << ErrorOf(m, MeldLike());
  // Header without a required column.
  const std::string h = Write(dir, "nolabel.csv", "id,wav,text,speaker\nu1,wavs/a.wav,hi,alice\n");
  EXPECT_NE(ErrorOf(h, MeldLike()).find("nolabel.csv:1: header has no 'label' column"), std::string::npos);
  // Session not an integer.
  const std::string s =
      Write(dir, "session.csv", "id,wav,text,label,speaker,session\nu1,wavs/a.wav,hi,joy,alice,one\n");
  EXPECT_NE(ErrorOf(s, MeldLike()).find("session.csv:2: session 'one'"), std::string::npos);
  // A NUL before the digits (found by the manifest fuzzer: strtol read an empty number).
  const std::string n = Write(
      dir, "nul.csv",
      std::string("id,wav,text,label,speaker,session\nu1,wavs/a.wav,hi,joy,alice,") + std::string(3, '\0') + "1\n");
  EXPECT_NE(ErrorOf(n, MeldLike()).find("nul.csv:2: session '\\x00\\x00\\x001' is not a non-negative integer"),
            std::string::npos)
      << ErrorOf(n, MeldLike());
}

TEST(ManifestReader, BadJsonlRowsNameTheLine) {
  TempDir dir;
  const std::string good = R"({"id":"u1","wav":"wavs/a.wav","text":"hi","label":"joy","speaker":"alice"})"
                           "\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"id":"u2","wav":"wavs/b.wav","text":"hi","label":"joy"})", "bad.jsonl:2: missing key 'speaker'"},
      {R"({"id":"u2","wav":"wavs/b.wav","text":"hi","label":"joy","speaker":"bob")", "bad.jsonl:2: not valid JSON"},
      {R"(["u2"])", "bad.jsonl:2: expected a JSON object"},
      {R"({"id":"u2","wav":"wavs/b.wav","text":3,"label":"joy","speaker":"bob"})",
       "bad.jsonl:2: key 'text' must be a string"},
      {R"({"id":"u2","wav":"wavs/x.wav","text":"hi","label":"joy","speaker":"bob"})",
       "bad.jsonl:2: wav file not found"},
      // docs/fuzzing.md: a number no double holds (nlohmann's out_of_range, not parse_error).
      {R"({"id":"u2","wav":"wavs/b.wav","text":"hi","label":"joy","speaker":"bob","session":1e400})",
       "bad.jsonl:2: not valid JSON"},
  };
  for (const auto& [row, expected] : cases) {
    const std::string m = Write(dir, "bad.jsonl", good + row + "\n");
    const std::string error = ErrorOf(m, MeldLike());
    EXPECT_NE(error.find(expected), std::string::npos) << error;
  }
}

// An empty transcript is found at feature extraction; the error
// names the manifest and the row's line (CSV: where a multi-line record starts).
TEST(ManifestReader, EmptyTranscriptNamesTheRow) {
  TempDir dir;
  TextOptions text_options;
  text_options.model_dir = "minilm";
  const FeatureStream tokens = MakeFeatureStream(StreamKind::kTokenIds, AudioOptions{}, MfccOptions{}, text_options);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"m.csv", "id,wav,text,label,speaker\nu1,wavs/a.wav,\"two\nlines\",joy,alice\nu2,wavs/a.wav,\" \",joy,bob\n"},
      {"m.jsonl",
       "\n\n"
       R"({"id":"u1","wav":"wavs/a.wav","text":"hi","label":"joy","speaker":"alice"})"
       "\n"
       R"({"id":"u2","wav":"wavs/a.wav","text":"","label":"joy","speaker":"bob"})"
       "\n"},
  };
  for (const auto& [name, content] : cases) {
    const std::string m = Write(dir, name, content);
    const Corpus c = ReadManifest(m, MeldLike());
    ASSERT_EQ(c.utterances.size(), 2u) << name;
    const Utterance& u = c.utterances[1];
    EXPECT_EQ(u.text_origin, m + ":4") << name;
    EXPECT_EQ(u.origin, m + ":4") << name;
    std::string error = "(no DataError)";
    try {
      tokens.extract(u);
    } catch (const DataError& e) {
      error = e.what();
    }
    EXPECT_NE(error.find(m + ":4: u2: empty transcript"), std::string::npos) << error;
  }
}

TEST(ManifestReader, SkipBadCountsAndKeepsTheRest) {
  TempDir dir;
  const std::string m = Write(dir, "mixed.csv",
                              "id,wav,text,label,speaker\n"
                              "u1,wavs/a.wav,hi,joy,alice\n"
                              "u2,wavs/missing.wav,hi,joy,bob\n"
                              "u3,wavs/c.wav,hi,anger\n"
                              "u4,wavs/d.wav,hi,neutral,dave\n");
  DataOptions o = MeldLike();
  o.skip_bad = true;
  const Corpus c = ReadManifest(m, o);
  EXPECT_EQ(c.utterances.size(), 2u);
  EXPECT_EQ(c.skipped_rows, 2);
  ASSERT_EQ(c.skipped.size(), 2u);
  EXPECT_NE(c.skipped[0].find("mixed.csv:3:"), std::string::npos) << c.skipped[0];
  EXPECT_NE(c.skipped[1].find("mixed.csv:4:"), std::string::npos) << c.skipped[1];
  EXPECT_EQ(c.utterances[0].session, 0);  // no session column
}

TEST(ManifestReader, UnknownExtensionAndMissingFile) {
  TempDir dir;
  EXPECT_THROW(ReadManifest(Write(dir, "m.txt", "x"), MeldLike()), DataError);
  EXPECT_THROW(ReadManifest(dir.File("absent.csv"), MeldLike()), DataError);
}

}  // namespace
}  // namespace merhan
