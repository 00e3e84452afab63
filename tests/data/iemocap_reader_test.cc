// The IEMOCAP reader against the synthetic corpus's own ground truth
// (scripts/make_corpus), plus malformed-line errors and the standard-count check.
#include <gtest/gtest.h>
#include <sndfile.h>
#include <algorithm>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "merhan/data/corpus.h"
#include "merhan/data/feature_streams.h"
#include "merhan/data/iemocap_reader.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"
#include "test_util.h"
#include "tiny_corpus.h"

namespace merhan {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;

const std::set<std::string> kKept = {"neu", "hap", "exc", "ang", "sad"};

DataOptions TinyOptions(const std::string& root) {
  DataOptions o;
  o.root = root;
  return o;
}

TEST(IemocapReader, ReproducesGeneratorGroundTruth) {
  const auto truth = testing::TinyGroundTruth();
  ASSERT_GT(truth.size(), 100u);
  const Corpus corpus = ReadIemocap(testing::TinyCorpusDir(), TinyOptions(testing::TinyCorpusDir()));
  std::map<std::string, const Utterance*> by_id;
  for (const auto& u : corpus.utterances) by_id[u.id] = &u;
  EXPECT_EQ(by_id.size(), corpus.utterances.size()) << "duplicate ids";

  const std::map<std::string, int> index = {{"neu", 0}, {"hap", 1}, {"exc", 1}, {"ang", 2}, {"sad", 3}};
  std::map<std::string, int> dropped_truth;
  size_t kept = 0;
  for (const auto& t : truth) {
    const std::string id = t["id"], code = t["label"];
    if (!kKept.count(code)) {
      ++dropped_truth[code];
      EXPECT_FALSE(by_id.count(id)) << id << " has code " << code << " and must be dropped";
      continue;
    }
    ++kept;
    ASSERT_TRUE(by_id.count(id)) << "reader lost " << id;
    const Utterance& u = *by_id[id];
    EXPECT_EQ(u.code, code) << id;
    EXPECT_EQ(u.label, index.at(code)) << id;
    EXPECT_EQ(u.speaker, t["speaker"].get<std::string>()) << id;
    EXPECT_EQ(u.session, t["session"].get<int>()) << id;
    EXPECT_EQ(u.dialog, t["dialog"].get<std::string>()) << id;
    EXPECT_EQ(u.text, t["text"].get<std::string>()) << id;
    EXPECT_EQ(u.improvised, t["improvised"].get<bool>()) << id;
    EXPECT_DOUBLE_EQ(u.start_s, t["start"].get<double>()) << id;
    EXPECT_DOUBLE_EQ(u.end_s, t["end"].get<double>()) << id;
    // Label-file segment length vs the generator's duration (both 4 decimals).
    EXPECT_NEAR(u.end_s - u.start_s, t["duration"].get<double>(), 1.5e-4) << id;
    EXPECT_EQ(fs::canonical(u.wav_path), fs::canonical(testing::TinyCorpusDir() + "/" + t["wav"].get<std::string>()));
    // The wav itself: 16 kHz mono, as long as the ground truth says.
    SF_INFO info{};
    SNDFILE* f = sf_open(u.wav_path.c_str(), SFM_READ, &info);
    ASSERT_NE(f, nullptr) << u.wav_path;
    sf_close(f);
    EXPECT_EQ(info.samplerate, 16000);
    EXPECT_EQ(info.channels, 1);
    EXPECT_EQ(info.frames, t["samples"].get<int64_t>()) << id;
    EXPECT_NEAR(static_cast<double>(info.frames) / 16000.0, t["duration"].get<double>(), 1.5e-4) << id;
  }
  EXPECT_EQ(corpus.utterances.size(), kept);
  std::map<std::string, int> dropped(corpus.counts.dropped.begin(), corpus.counts.dropped.end());
  EXPECT_EQ(dropped, dropped_truth);
  for (const char* code : {"fru", "xxx", "sur", "fea", "oth", "dis"}) EXPECT_GT(dropped[code], 0) << code;
  int sum = 0;
  for (int n : corpus.counts.per_class) sum += n;
  EXPECT_EQ(sum, static_cast<int>(kept));
}

TEST(IemocapReader, CorpusHasTheLinesItMustFilter) {
  // Guards the test above: the corpus really contains non-utterance transcript lines,
  // unlabelled XX turns, annotator lines, scripted dialogs and dropped codes.
  std::string transcripts, labels;
  for (const auto& entry : fs::recursive_directory_iterator(testing::TinyCorpusDir())) {
    const std::string p = entry.path().string();
    if (p.find("/transcriptions/") != std::string::npos) transcripts += ReadFileToString(p);
    if (p.find("/EmoEvaluation/") != std::string::npos) labels += ReadFileToString(p);
  }
  EXPECT_TRUE(std::regex_search(transcripts, std::regex("\n[MF]: ")));
  EXPECT_TRUE(std::regex_search(transcripts, std::regex("_[MF]XX0 \\[")));
  EXPECT_TRUE(std::regex_search(labels, std::regex("\nC-[EF][0-9]:\t")));
  EXPECT_TRUE(std::regex_search(labels, std::regex("\nA-[EF][0-9]:\tval ")));
  EXPECT_TRUE(std::regex_search(labels, std::regex("% \\[START_TIME - END_TIME\\]")));
  const Corpus corpus = ReadIemocap(testing::TinyCorpusDir(), TinyOptions(testing::TinyCorpusDir()));
  bool scripted = false, improvised = false;
  for (const auto& u : corpus.utterances) (u.improvised ? improvised : scripted) = true;
  EXPECT_TRUE(scripted && improvised);
}

TEST(IemocapReader, AcceptsTheReleaseFolderItself) {
  const Corpus a = ReadIemocap(testing::TinyCorpusDir(), TinyOptions(testing::TinyCorpusDir()));
  const std::string release = testing::TinyCorpusDir() + "/IEMOCAP_full_release";
  const Corpus b = ReadIemocap(release, TinyOptions(release));
  ASSERT_EQ(a.utterances.size(), b.utterances.size());
  for (size_t i = 0; i < a.utterances.size(); ++i) EXPECT_EQ(a.utterances[i].id, b.utterances[i].id);
}

TEST(IemocapReader, OtherLabelPolicies) {
  DataOptions o = TinyOptions(testing::TinyCorpusDir());
  o.classes = {"neu", "hap", "exc", "ang", "sad", "fru"};
  o.merge = nlohmann::json::object();
  const Corpus corpus = ReadIemocap(o.root, o);
  std::map<std::string, int> truth;
  for (const auto& t : testing::TinyGroundTruth()) ++truth[t["label"].get<std::string>()];
  for (size_t i = 0; i < o.classes.size(); ++i)
    EXPECT_EQ(corpus.counts.per_class[i], truth[o.classes[i]]) << o.classes[i];
}

TEST(IemocapReader, MissingFolderIsADataError) {
  TempDir dir;
  EXPECT_THROW(ReadIemocap(dir.path(), TinyOptions(dir.path())), DataError);
}

// Replaces line `line` (1-based) of `path`.
void ReplaceLine(const std::string& path, int line, const std::string& text) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string l;
  while (std::getline(in, l)) lines.push_back(l);
  ASSERT_LE(line, static_cast<int>(lines.size()));
  lines[static_cast<size_t>(line - 1)] = text;
  std::string out;
  for (const auto& x : lines) out += x + "\n";
  WriteStringAtomically(path, out);
}

std::string ErrorOf(const std::string& root) {
  try {
    ReadIemocap(root, TinyOptions(root));
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

TEST(IemocapReader, MalformedLabelLinesNameFileAndLine) {
  const std::string file = "Session2/dialog/EmoEvaluation/Ses02F_impro01.txt";
  // Line 3 is the first utterance line: "[start - end]\tid\tcode\t[v, a, d]".
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[2.8 - ]\tSes02F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]", "bad time segment"},
      {"[2.8 - 4.1]\tSes02F_impro01_F000\tneu", "expected 4 tab-separated fields"},
      {"[2.8 - 4.1]\tSes02F_impro01_F000\thappy\t[2.5000, 2.5000, 2.5000]", "unknown emotion code"},
      {"[2.8 - 4.1]\tSes02F_impro01_F000\tneu\t[2.5000, 2.5000]", "valence/activation/dominance"},
      {"[4.8 - 4.1]\tSes02F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]", "not after its start"},
      {"[2.8 - 4.1]\tSes02F_impro01_X000\tneu\t[2.5000, 2.5000, 2.5000]", "bad utterance id"},
      {"this line is garbage", "neither an utterance line"},
  };
  for (const auto& [text, why] : cases) {
    TempDir dir;
    testing::CopyTinyCorpus(dir.path());
    ReplaceLine(dir.path() + "/IEMOCAP_full_release/" + file, 3, text);
    const std::string error = ErrorOf(dir.path());
    EXPECT_NE(error.find("Ses02F_impro01.txt:3: "), std::string::npos) << error;
    EXPECT_NE(error.find(why), std::string::npos) << error;
  }
}

TEST(IemocapReader, MalformedTranscriptLinesNameFileAndLine) {
  TempDir dir;
  testing::CopyTinyCorpus(dir.path());
  const std::string file = dir.path() + "/IEMOCAP_full_release/Session3/dialog/transcriptions/Ses03F_impro01.txt";
  ReplaceLine(file, 2, "Ses03F_impro01_M000 [002.5-: text without a closed segment");
  const std::string error = ErrorOf(dir.path());
  EXPECT_NE(error.find("transcriptions/Ses03F_impro01.txt:2: "), std::string::npos) << error;
}

TEST(IemocapReader, MissingTranscriptOrWavIsADataError) {
  {
    TempDir dir;
    testing::CopyTinyCorpus(dir.path());
    // Drop the transcript line of a kept utterance.
    const Corpus corpus = ReadIemocap(dir.path(), TinyOptions(dir.path()));
    const Utterance& u = corpus.utterances[5];
    const std::string file = dir.path() + "/IEMOCAP_full_release/Session" + std::to_string(u.session) +
                             "/dialog/transcriptions/" + u.dialog + ".txt";
    std::string text = ReadFileToString(file);
    const auto pos = text.find(u.id + " [");
    ASSERT_NE(pos, std::string::npos);
    text.erase(pos, text.find('\n', pos) - pos + 1);
    WriteStringAtomically(file, text);
    const std::string error = ErrorOf(dir.path());
    EXPECT_NE(error.find("no transcript line for " + u.id), std::string::npos) << error;
  }
  {
    TempDir dir;
    testing::CopyTinyCorpus(dir.path());
    // A label for an utterance without a wav.
    const std::string file = dir.path() + "/IEMOCAP_full_release/Session1/dialog/EmoEvaluation/Ses01F_impro01.txt";
    const std::string transcript =
        dir.path() + "/IEMOCAP_full_release/Session1/dialog/transcriptions/Ses01F_impro01.txt";
    WriteStringAtomically(
        file, ReadFileToString(file) + "[900.0000 - 901.0000]\tSes01F_impro01_F900\tneu\t[2.5000, 2.5000, 2.5000]\n");
    WriteStringAtomically(transcript,
                          ReadFileToString(transcript) + "Ses01F_impro01_F900 [900.0000-901.0000]: Hello.\n");
    const std::string error = ErrorOf(dir.path());
    EXPECT_NE(error.find("Ses01F_impro01_F900.wav: missing wav"), std::string::npos) << error;
  }
}

// The 1-based line of `path` that starts with `prefix`; 0 when none does.
int LineStartingWith(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string l;
  for (int n = 1; std::getline(in, l); ++n) {
    if (l.compare(0, prefix.size(), prefix) == 0) return n;
  }
  return 0;
}

std::string ExtractError(const FeatureStream& stream, const Utterance& u) {
  try {
    stream.extract(u);
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

// An empty transcript is found only when text features are
// extracted; the error names the transcription file and line, not just the id.
TEST(IemocapReader, EmptyTranscriptNamesTheTranscriptionLine) {
  TempDir dir;
  testing::CopyTinyCorpus(dir.path());
  const Utterance u0 = ReadIemocap(dir.path(), TinyOptions(dir.path())).utterances[7];
  const std::string file = dir.path() + "/IEMOCAP_full_release/Session" + std::to_string(u0.session) +
                           "/dialog/transcriptions/" + u0.dialog + ".txt";
  const int line = LineStartingWith(file, u0.id + " [");
  ASSERT_GT(line, 0);
  std::string text = ReadFileToString(file);
  const auto begin = text.find("]: ", text.find(u0.id + " [")) + 3;
  text.erase(begin, text.find('\n', begin) - begin);
  WriteStringAtomically(file, text);

  const Corpus corpus = ReadIemocap(dir.path(), TinyOptions(dir.path()));
  const Utterance& u = corpus.utterances[7];
  ASSERT_EQ(u.id, u0.id);
  EXPECT_EQ(u.text, "");
  EXPECT_EQ(u.text_origin, file + ":" + std::to_string(line));
  TextOptions text_options;
  text_options.model_dir = "minilm";
  const std::string error =
      ExtractError(MakeFeatureStream(StreamKind::kTokenIds, AudioOptions{}, MfccOptions{}, text_options), u);
  EXPECT_NE(error.find(file + ":" + std::to_string(line) + ": " + u.id + ": empty transcript"), std::string::npos)
      << error;
}

// An unreadable wav found during MFCC extraction names the wav and the label line.
TEST(IemocapReader, UnreadableWavNamesTheLabelLine) {
  TempDir dir;
  testing::CopyTinyCorpus(dir.path());
  Utterance u = ReadIemocap(dir.path(), TinyOptions(dir.path())).utterances[3];
  const std::string label_file = dir.path() + "/IEMOCAP_full_release/Session" + std::to_string(u.session) +
                                 "/dialog/EmoEvaluation/" + u.dialog + ".txt";
  const int line = LineStartingWith(label_file, "[");
  ASSERT_GT(line, 0);
  EXPECT_EQ(u.origin.substr(0, label_file.size() + 1), label_file + ":");
  u.wav_path = dir.path() + "/not_a_wav.wav";
  WriteStringAtomically(u.wav_path, "RIFF garbage");
  const std::string error =
      ExtractError(MakeFeatureStream(StreamKind::kMfcc, AudioOptions{}, MfccOptions{}, TextOptions{}), u);
  EXPECT_NE(error.find(u.origin + ": " + u.id + ": "), std::string::npos) << error;
  EXPECT_NE(error.find("not_a_wav.wav"), std::string::npos) << error;
  // An utterance from the command line (no corpus line, its id is its wav) is named once.
  Utterance given;
  given.id = given.wav_path = u.wav_path;
  const std::string once =
      ExtractError(MakeFeatureStream(StreamKind::kMfcc, AudioOptions{}, MfccOptions{}, TextOptions{}), given);
  EXPECT_EQ(once.rfind(u.wav_path + ": cannot read audio", 0), 0u) << once;
  EXPECT_EQ(once.find(u.wav_path, 1), std::string::npos) << once;
}

// Every corpus-level error of the reader names the file, and the line where there is one.
TEST(IemocapReader, CorpusLevelErrorsNameFileAndLine) {
  const std::string release = "/IEMOCAP_full_release/Session1/dialog/";
  const std::string labels = release + "EmoEvaluation/Ses01F_impro01.txt";
  const std::string transcripts = release + "transcriptions/Ses01F_impro01.txt";
  auto first_utterance = [](const std::string& path) {
    std::ifstream in(path);
    std::string l;
    while (std::getline(in, l)) {
      if (l.compare(0, 3, "Ses") == 0 && l.find("XX") == std::string::npos) return l;
    }
    return std::string();
  };
  {  // A labelled id transcribed twice: both lines.
    TempDir dir;
    testing::CopyTinyCorpus(dir.path());
    const std::string t = dir.path() + transcripts;
    const std::string dup = first_utterance(t);
    ASSERT_FALSE(dup.empty());
    const int first = LineStartingWith(t, dup);
    WriteStringAtomically(t, ReadFileToString(t) + dup + "\n");
    const std::string all = ReadFileToString(t);
    const int last = static_cast<int>(std::count(all.begin(), all.end(), '\n'));
    const std::string error = ErrorOf(dir.path());
    EXPECT_NE(error.find(Cat("Ses01F_impro01.txt:", last, ": utterance ")), std::string::npos) << error;
    EXPECT_NE(error.find(Cat("already transcribed at line ", first)), std::string::npos) << error;
  }
  {  // A label line for another dialog's utterance: the label file and line.
    TempDir dir;
    testing::CopyTinyCorpus(dir.path());
    const std::string l = dir.path() + labels;
    WriteStringAtomically(l, ReadFileToString(l) + "[900.0 - 901.0]\tSes01F_impro02_F000\tneu\t[2.5, 2.5, 2.5]\n");
    const int n = LineStartingWith(l, "[900.0 - 901.0]");
    const std::string error = ErrorOf(dir.path());
    EXPECT_NE(error.find(Cat("Ses01F_impro01.txt:", n, ": ")), std::string::npos) << error;
    EXPECT_NE(error.find("does not belong to dialog Ses01F_impro01"), std::string::npos) << error;
  }
  {  // A dialog filed under another session: its first label line.
    TempDir dir;
    testing::CopyTinyCorpus(dir.path());
    const std::string from = dir.path() + "/IEMOCAP_full_release/Session2/dialog/";
    for (const char* sub : {"EmoEvaluation/", "transcriptions/"}) {
      WriteStringAtomically(dir.path() + release + sub + "Ses02F_impro01.txt",
                            ReadFileToString(from + sub + "Ses02F_impro01.txt"));
    }
    const std::string l = dir.path() + release + "EmoEvaluation/Ses02F_impro01.txt";
    const std::string error = ErrorOf(dir.path());
    EXPECT_NE(error.find(Cat(l, ":", LineStartingWith(l, "["), ": ")), std::string::npos) << error;
    EXPECT_NE(error.find("is in Session1"), std::string::npos) << error;
  }
  {  // The same utterance labelled twice.
    TempDir dir;
    testing::CopyTinyCorpus(dir.path());
    const std::string l = dir.path() + labels;
    const int first = LineStartingWith(l, "[");
    std::string line;
    {
      std::ifstream in(l);
      for (int i = 0; i < first; ++i) std::getline(in, line);
    }
    WriteStringAtomically(l, ReadFileToString(l) + line + "\n");
    const std::string error = ErrorOf(dir.path());
    EXPECT_NE(error.find("Ses01F_impro01.txt:"), std::string::npos) << error;
    EXPECT_NE(error.find(": duplicate utterance id Ses01F_impro01_"), std::string::npos) << error;
  }
  {  // A label file without its transcription file.
    TempDir dir;
    testing::CopyTinyCorpus(dir.path());
    fs::remove(dir.path() + transcripts);
    const std::string error = ErrorOf(dir.path());
    EXPECT_NE(error.find(dir.path() + labels + ": no transcript file " + dir.path() + transcripts), std::string::npos)
        << error;
  }
}

TEST(IemocapReader, ExpectFullReleaseFailsLoudlyOnTheTinyCorpus) {
  DataOptions o = TinyOptions(testing::TinyCorpusDir());
  o.expect_full_release = true;
  try {
    ReadIemocap(o.root, o);
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("DIFFERS"), std::string::npos) << what;
    EXPECT_NE(what.find("1085"), std::string::npos) << what;
  }
  o.classes = {"neu", "ang"};
  o.merge = nlohmann::json::object();
  EXPECT_THROW(ReadIemocap(o.root, o), UsageError);
}

// Builds a corpus with the given per-session class counts (neu, hap, exc, ang, sad).
Corpus FakeCorpus(const std::vector<std::array<int, 5>>& cells) {
  Corpus c;
  c.counts.classes = {"neu", "hap", "ang", "sad"};
  c.counts.per_class.assign(4, 0);
  const int label_of[5] = {0, 1, 1, 2, 3};
  const char* code_of[5] = {"neu", "hap", "exc", "ang", "sad"};
  for (size_t s = 0; s < cells.size(); ++s) {
    for (int k = 0; k < 5; ++k) {
      for (int i = 0; i < cells[s][static_cast<size_t>(k)]; ++i) {
        Utterance u;
        u.session = static_cast<int>(s) + 1;
        u.label = label_of[k];
        u.code = code_of[k];
        c.utterances.push_back(u);
        ++c.counts.per_class[static_cast<size_t>(u.label)];
      }
    }
  }
  return c;
}

TEST(IemocapStandardCounts, MatchesOnlyTheStandardTable) {
  // The generator's per-session split (scripts/make_corpus FULL_COUNTS).
  std::vector<std::array<int, 5>> cells = {{384, 135, 143, 229, 194},
                                           {362, 113, 214, 137, 197},
                                           {320, 135, 151, 240, 305},
                                           {258, 66, 237, 327, 143},
                                           {384, 146, 296, 170, 245}};
  EXPECT_TRUE(CheckIemocapStandardCounts(FakeCorpus(cells)).matches);
  auto moved = cells;  // same totals per class, one utterance moved between sessions
  moved[0][0] -= 1;
  moved[1][0] += 1;
  const auto check = CheckIemocapStandardCounts(FakeCorpus(moved));
  EXPECT_FALSE(check.matches);
  EXPECT_NE(check.table.find("DIFFERS"), std::string::npos) << check.table;
  auto swapped = cells;  // same sessions and 4-class totals, hap/exc split wrong
  swapped[0][1] += 1;
  swapped[0][2] -= 1;
  EXPECT_FALSE(CheckIemocapStandardCounts(FakeCorpus(swapped)).matches);
}

// Slow: the `full` corpus takes minutes to generate. Point MERHAN_FULL_CORPUS at
// the output of `scripts/make_corpus --size full --seed 1 --out DIR` to run it.
TEST(IemocapFullCorpus, ReproducesTheStandardCounts) {
  const std::string dir = testing::EnvOr("MERHAN_FULL_CORPUS", "");
  if (dir.empty()) GTEST_SKIP() << "set MERHAN_FULL_CORPUS to a `make_corpus --size full` folder";
  DataOptions o = TinyOptions(dir);
  o.expect_full_release = true;
  const Corpus corpus = ReadIemocap(dir, o);  // throws with the table if the counts differ
  EXPECT_EQ(corpus.utterances.size(), 5531u);
  const auto check = CheckIemocapStandardCounts(corpus);
  EXPECT_TRUE(check.matches);
  std::cout << check.table;
}

}  // namespace
}  // namespace merhan
