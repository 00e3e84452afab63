#include "merhan/runtime/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "merhan/runtime/inference.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "test_util.h"
#include "train_test_support.h"

namespace merhan {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;
using testing::TinyModel;

CheckpointMeta SampleMeta() {
  CheckpointMeta m;
  m.kind = "best";
  m.config = {{"train", {{"lr", 0.001}}}};
  m.classes = {"neu", "hap", "ang", "sad"};
  m.dims = {4, 5, 384};
  m.fold = 3;
  m.fold_name = "Session4";
  m.seed = 42;
  m.epoch = 9;
  m.metrics = {{"uar", 0.71}};
  m.text_encoder = nullptr;
  return m;
}

void ExpectDataErrorNaming(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    FAIL() << "expected a DataError naming " << needle;
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, RoundTripsWeightsBuffersAndMetadata) {
  TempDir dir;
  torch::manual_seed(1);
  TinyModel saved(5, 4);
  {
    torch::NoGradGuard g;
    saved->mean.fill_(0.25);  // normalisation statistics live in buffers
    saved->stdev.fill_(3.0);
  }
  SaveCheckpoint(dir.File("m.ckpt"), SampleMeta(), *saved);
  torch::manual_seed(2);
  TinyModel loaded(5, 4);
  CheckpointReader reader(dir.File("m.ckpt"));
  reader.LoadModel(*loaded);
  const auto a = saved->named_parameters(), b = loaded->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& p : a) EXPECT_TRUE(torch::equal(p.value(), b[p.key()])) << p.key();
  EXPECT_TRUE(torch::equal(loaded->mean, torch::full({5}, 0.25)));
  EXPECT_TRUE(torch::equal(loaded->stdev, torch::full({5}, 3.0)));
  const auto& m = reader.meta();
  EXPECT_EQ(m.kind, "best");
  EXPECT_EQ(m.classes, SampleMeta().classes);
  EXPECT_EQ(m.dims.text_dim, 384);
  EXPECT_EQ(m.fold, 3);
  EXPECT_EQ(m.fold_name, "Session4");
  EXPECT_EQ(m.seed, 42);
  EXPECT_EQ(m.epoch, 9);
  EXPECT_EQ(m.config, SampleMeta().config);
  EXPECT_DOUBLE_EQ(m.metrics["uar"].get<double>(), 0.71);
  torch::serialize::InputArchive training;
  EXPECT_FALSE(reader.ReadTraining(&training));
  // Atomic write: only the checkpoint itself is left in the directory.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) (void)e, ++files;
  EXPECT_EQ(files, 1);
}

// A checkpoint written onto a full disk (a file-size limit: EFBIG)
// fails with a DataError naming it, leaves the previous checkpoint as it was, and
// succeeds once there is space.
TEST(Checkpoint, FullDiskIsADataErrorAndKeepsThePreviousCheckpoint) {
  TempDir dir;
  const std::string path = dir.File("last.ckpt");
  torch::manual_seed(1);
  TinyModel first(5, 4);
  SaveCheckpoint(path, SampleMeta(), *first);
  const std::string before = ReadFileToString(path);
  torch::manual_seed(2);
  TinyModel second(5, 4);
  CheckpointMeta later = SampleMeta();
  later.epoch = 10;
  {
    testing::FileSizeLimit limit(before.size() / 2);
    ExpectDataErrorNaming([&] { SaveCheckpoint(path, later, *second); }, "cannot write " + path + ": ");
  }
  EXPECT_EQ(ReadFileToString(path), before);
  EXPECT_EQ(testing::FileNames(dir.path()), std::vector<std::string>{"last.ckpt"});
  EXPECT_EQ(CheckpointReader(path).meta().epoch, 9);
  SaveCheckpoint(path, later, *second);
  EXPECT_EQ(CheckpointReader(path).meta().epoch, 10);
}

// Metadata numbers that do not fit an int are a DataError, not a silent wrap or
// undefined behaviour (docs/fuzzing.md, checkpoint_meta_fuzzer).
TEST(Checkpoint, MetadataIntegersMustFit) {
  for (const char* bad : {"1e300", "4294967297", "1.5", "\"3\""}) {
    nlohmann::json j = SampleMeta().ToJson();
    j["epoch"] = nlohmann::json::parse(bad);
    ExpectDataErrorNaming([&] { CheckpointMeta::Parse(j.dump(), "x.ckpt"); }, "x.ckpt: malformed checkpoint metadata");
  }
  EXPECT_EQ(CheckpointMeta::Parse(SampleMeta().ToJson().dump(), "x.ckpt").epoch, 9);
}

// Per-speaker statistics travel in the metadata only when a stream is standardised,
// so checkpoints without them keep their metadata as it was.
TEST(Checkpoint, StreamNormalizationRoundTripsAndIsAbsentByDefault) {
  EXPECT_FALSE(SampleMeta().ToJson().contains("stream_normalization"));
  EXPECT_TRUE(CheckpointMeta::Parse(SampleMeta().ToJson().dump(), "x.ckpt").stream_normalization.is_null());
  CheckpointMeta m = SampleMeta();
  m.stream_normalization = nlohmann::json::array({{{"stream", "ssl"}, {"normalize", "speaker-transductive"}}});
  EXPECT_EQ(CheckpointMeta::Parse(m.ToJson().dump(), "x.ckpt").stream_normalization, m.stream_normalization);
}

TEST(Checkpoint, AnythingElseIsADataErrorNamingTheFile) {
  TempDir dir;
  ExpectDataErrorNaming([&] { CheckpointReader r(dir.File("missing.ckpt")); }, "missing.ckpt");
  ExpectDataErrorNaming([&] { CheckpointReader r(dir.path()); }, dir.path());
  WriteStringAtomically(dir.File("text.ckpt"), "{\"not\": \"a checkpoint\"}\n");
  ExpectDataErrorNaming([&] { CheckpointReader r(dir.File("text.ckpt")); }, "text.ckpt");
  // A valid LibTorch archive that merhan did not write.
  torch::save(torch::ones({3}), dir.File("tensor.pt"));
  ExpectDataErrorNaming([&] { CheckpointReader r(dir.File("tensor.pt")); }, "tensor.pt");
  // A truncated checkpoint.
  TinyModel model(5, 4);
  SaveCheckpoint(dir.File("good.ckpt"), SampleMeta(), *model);
  const std::string bytes = ReadFileToString(dir.File("good.ckpt"));
  WriteStringAtomically(dir.File("cut.ckpt"), bytes.substr(0, bytes.size() / 2));
  ExpectDataErrorNaming([&] { CheckpointReader r(dir.File("cut.ckpt")); }, "cut.ckpt");
  // A checkpoint of another architecture.
  TinyModel other(7, 4);
  ExpectDataErrorNaming([&] { CheckpointReader(dir.File("good.ckpt")).LoadModel(*other); }, "good.ckpt");
}

TEST(Checkpoint, TextEncoderFingerprintCatchesMovedOrChangedDirectories) {
  TempDir dir;
  const std::string enc = dir.File("encoder");
  CreateDirectories(enc);
  WriteStringAtomically(enc + "/config.json", "{\"hidden_size\": 384}");
  WriteStringAtomically(enc + "/model.safetensors", std::string(3 * 1024 * 1024 + 5, 'x'));
  WriteStringAtomically(enc + "/vocab.txt", "[PAD]\n[UNK]\n");
  const nlohmann::json fp = TextEncoderFingerprint(enc);
  EXPECT_EQ(fp["files"].size(), 3u);
  EXPECT_EQ(fp["files"]["model.safetensors"]["size"].get<uint64_t>(), 3u * 1024 * 1024 + 5);
  EXPECT_NO_THROW(CheckTextEncoder(fp, "x.ckpt"));
  EXPECT_NO_THROW(CheckTextEncoder(nullptr, "x.ckpt"));
  // One byte changed in the middle of the weights, same size.
  std::string weights(3 * 1024 * 1024 + 5, 'x');
  weights[2 * 1024 * 1024 + 1] = 'y';
  WriteStringAtomically(enc + "/model.safetensors", weights);
  ExpectDataErrorNaming([&] { CheckTextEncoder(fp, "x.ckpt"); }, enc);
  ExpectDataErrorNaming([&] { CheckTextEncoder(fp, "x.ckpt"); }, "model.safetensors");
  // Moved away.
  fs::rename(enc, dir.File("elsewhere"));
  ExpectDataErrorNaming([&] { CheckTextEncoder(fp, "x.ckpt"); }, enc);
  ExpectDataErrorNaming([&] { TextEncoderFingerprint(enc); }, enc);
}

// --text-model-dir: an encoder is known by its files' content, not by its path.
TEST(Checkpoint, AMovedTextEncoderIsAcceptedByContentAndRefusedNamingTheFileThatDiffers) {
  TempDir dir;
  const std::string enc = dir.File("encoder");
  CreateDirectories(enc);
  WriteStringAtomically(enc + "/config.json", "{\"hidden_size\": 384}");
  WriteStringAtomically(enc + "/vocab.txt", "[PAD]\n[UNK]\n");
  const nlohmann::json fp = TextEncoderFingerprint(enc);
  const std::string moved = dir.File("moved");
  fs::rename(enc, moved);
  ExpectDataErrorNaming([&] { CheckTextEncoder(fp, "x.ckpt"); }, "--text-model-dir");
  EXPECT_NO_THROW(CheckTextEncoder(fp, "x.ckpt", moved));
  WriteStringAtomically(moved + "/vocab.txt", "[PAD]\n[UNK]\nhello\n");
  ExpectDataErrorNaming([&] { CheckTextEncoder(fp, "x.ckpt", moved); }, "vocab.txt");
  WriteStringAtomically(moved + "/vocab.txt", "[PAD]\n[UNK]\n");
  WriteStringAtomically(moved + "/tokenizer.json", "{}");
  ExpectDataErrorNaming([&] { CheckTextEncoder(fp, "x.ckpt", moved); }, "tokenizer.json");
  ExpectDataErrorNaming([&] { CheckTextEncoder(fp, "x.ckpt", dir.File("nowhere")); }, "nowhere");
}

TEST(Inference, LoadsACheckpointWithItsOwnConfigAndFormatsPredictions) {
  TempDir dir;
  ExperimentConfig config;
  config.train.device = "cpu";
  config.data.root = "/corpus/IEMOCAP_full_release";  // only recorded, not read
  CheckpointMeta meta = SampleMeta();
  meta.config = config.ToJson();
  torch::manual_seed(3);
  TinyModel saved(5, 4);
  SaveCheckpoint(dir.File("best.ckpt"), meta, *saved);
  auto build = [](const ModelOptions&, const ModelDims& d) {
    return testing::AsEmotionModel(TinyModel(d.audio_dim, d.num_classes));
  };
  LoadedModel loaded = LoadModelForInference(dir.File("best.ckpt"), LoadOptions{"cpu", build});
  EXPECT_EQ(loaded.meta.classes, meta.classes);
  EXPECT_FALSE(loaded.model->is_training());
  Batch b;
  b.ids = {"x"};
  b.audio = torch::randn({1, 4, 5});
  b.audio_mask = torch::ones({1, 4}, torch::kBool);
  const torch::Tensor probs = PredictProbabilities(loaded, b);
  saved->eval();
  EXPECT_TRUE(torch::allclose(probs, saved->Probabilities(b)));
  const nlohmann::json j = PredictionJson(meta.classes, torch::tensor({{0.1f, 0.6f, 0.2f, 0.1f}}), 0, "x", "a.wav");
  EXPECT_EQ(j["label"], "hap");
  EXPECT_EQ(j["wav"], "a.wav");
  EXPECT_EQ(j["probabilities"].size(), 4u);
  EXPECT_NEAR(j["probabilities"]["ang"].get<double>(), 0.2, 1e-7);
}

TEST(Inference, InputsAreCheckedBeforeFeatures) {
  TempDir dir;
  WriteStringAtomically(dir.File("a.wav"), "RIFF");
  EXPECT_NO_THROW(ValidateInferenceInput({"a", dir.File("a.wav"), "Wow."}));
  ExpectDataErrorNaming([&] { ValidateInferenceInput({"a", dir.File("nope.wav"), "Wow."}); }, "nope.wav");
  ExpectDataErrorNaming([&] { ValidateInferenceInput({"a", dir.File("a.wav"), "  \n"}); }, "empty");
}

}  // namespace
}  // namespace merhan
