// Every shipped config (configs/*.json) loads, validates and builds its model; a
// forward pass on a tiny batch gives one row of class logits per utterance.
#include <gtest/gtest.h>

#include <filesystem>

#include "merhan/nn/emotion_model.h"
#include "merhan/runtime/experiment_config.h"
#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> ConfigFiles() {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(testing::SourceDir() + "/configs")) {
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

ExperimentConfig LoadConfig(const std::string& name) {
  return ExperimentConfig::Load(testing::SourceDir() + "/configs/" + name, {});
}

TEST(Configs, EveryConfigLoadsAndBuildsItsModel) {
  const auto files = ConfigFiles();
  ASSERT_GE(files.size(), 14u);
  for (const auto& file : files) {
    SCOPED_TRACE(file);
    ExperimentConfig config;
    ASSERT_NO_THROW(config = ExperimentConfig::Load(file, {}));
    ModelDims dims{static_cast<int>(config.data.classes.size()), config.mfcc.n_mfcc, 768};
    for (auto it = config.data.streams.begin(); it != config.data.streams.end(); ++it) {
      dims.stream_dims[it.key()] = it.value().at("dim").get<int>();
    }
    EmotionModel model{nullptr};
    ASSERT_NO_THROW(model = BuildModel(config.model, dims));
    model->eval();
    Batch batch;
    batch.ids = {"a", "b"};
    batch.audio = torch::randn({2, 9, dims.audio_dim});
    batch.audio_lengths = torch::tensor({9, 4}, torch::kInt64);
    batch.audio_mask = torch::arange(9).unsqueeze(0) < batch.audio_lengths.unsqueeze(1);
    batch.text = torch::randn({2, 5, dims.text_dim});
    batch.text_mask = torch::arange(5).unsqueeze(0) < torch::tensor({3, 5}).unsqueeze(1);
    for (const auto& [name, dim] : dims.stream_dims) {  // precomputed streams: 3 frames and a pooled vector
      batch.streams[name] =
          PaddedStream{torch::randn({2, 3, dim}), torch::arange(3).unsqueeze(0) < torch::tensor({3, 1}).unsqueeze(1),
                       torch::tensor({3, 1}, torch::kInt64)};
    }
    torch::NoGradGuard no_grad;
    const auto logits = model->forward(batch);
    EXPECT_EQ(logits.sizes(), torch::IntArrayRef({2, dims.num_classes}));
    EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
  }
}

TEST(Configs, PresetsSayWhatTheirNamesSay) {
  const auto paper = LoadConfig("iemocap_merhan.json");
  EXPECT_EQ(paper.model.type, "merhan");
  EXPECT_EQ(paper.model.combine, "add");
  EXPECT_EQ(paper.model.align, "pad");
  EXPECT_EQ(paper.model.lstm_hidden, 256);
  EXPECT_EQ(paper.model.cma_dim, 256);
  EXPECT_EQ(paper.model.heads, 4);
  EXPECT_DOUBLE_EQ(paper.train.lr, 5e-5);
  EXPECT_EQ(paper.train.batch_size, 32);
  EXPECT_EQ(paper.train.epochs, 64);
  EXPECT_EQ(paper.train.patience, 6);
  EXPECT_EQ(paper.data.protocol, "loso");
  // Resolved against configs/, not the working directory.
  EXPECT_EQ(fs::path(paper.data.root).lexically_normal(),
            (fs::path(testing::SourceDir()) / "data/IEMOCAP_full_release").lexically_normal());

  const auto audio_noattn = LoadConfig("iemocap_ablation_audio_noattn.json");
  EXPECT_EQ(audio_noattn.model.modalities, "audio");
  EXPECT_FALSE(audio_noattn.model.audio_local_attention);
  EXPECT_TRUE(LoadConfig("iemocap_ablation_audio_attn.json").model.audio_local_attention);
  const auto text_noattn = LoadConfig("iemocap_ablation_text_noattn.json");
  EXPECT_EQ(text_noattn.model.modalities, "text");
  EXPECT_FALSE(text_noattn.model.text_local_attention);
  EXPECT_TRUE(LoadConfig("iemocap_ablation_text_attn.json").model.text_local_attention);
  EXPECT_FALSE(LoadConfig("iemocap_ablation_no_cma.json").model.use_cma);
  EXPECT_FALSE(LoadConfig("iemocap_ablation_no_global.json").model.use_global_attention);

  for (const char* name : {"iemocap_audio_mlp.json", "iemocap_text_mlp.json", "iemocap_early_fusion.json",
                           "iemocap_late_fusion_vote.json", "iemocap_late_fusion_mean.json"}) {
    SCOPED_TRACE(name);
    const auto c = LoadConfig(name);
    EXPECT_DOUBLE_EQ(c.train.lr, 1e-3);
    EXPECT_DOUBLE_EQ(c.train.weight_decay, 1e-5);
    EXPECT_EQ(c.train.batch_size, 32);
    EXPECT_EQ(c.train.epochs, 50);
    EXPECT_EQ(c.audio.cmvn, "none");
  }
  EXPECT_EQ(LoadConfig("iemocap_late_fusion_vote.json").model.late_rule, "vote");
  EXPECT_EQ(LoadConfig("iemocap_late_fusion_mean.json").model.late_rule, "mean");
  EXPECT_EQ(LoadConfig("iemocap_early_fusion.json").model.type, "early_fusion");
}

// Combinations that would train on nothing, or that the pipeline cannot run, are
// usage errors naming the key.
TEST(Configs, CombinationsThatCannotWorkNameTheirKey) {
  auto error_of = [](const std::string& name, const std::vector<std::string>& sets) -> std::string {
    try {
      ExperimentConfig::Load(testing::SourceDir() + "/configs/" + name, sets);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  };
  // Per-utterance CMVN zeroes the temporal mean, the pooled baselines' only audio input.
  for (const char* name : {"iemocap_audio_mlp.json", "iemocap_early_fusion.json", "iemocap_late_fusion_mean.json"}) {
    EXPECT_NE(error_of(name, {"audio.cmvn=utterance"}).find("audio.cmvn"), std::string::npos) << name;
  }
  EXPECT_EQ(error_of("iemocap_merhan.json", {"audio.cmvn=utterance"}), "");
  // Fine-tuning the text encoder: MER-HAN and the text MLP only, in fp32.
  EXPECT_EQ(error_of("iemocap_merhan.json", {"text.trainable_layers=2"}), "");
  EXPECT_EQ(error_of("iemocap_text_mlp.json", {"text.trainable_layers=1"}), "");
  EXPECT_NE(error_of("iemocap_early_fusion.json", {"text.trainable_layers=1"}).find("text.trainable_layers"),
            std::string::npos);
  EXPECT_NE(error_of("iemocap_ablation_audio_attn.json", {"text.trainable_layers=1"}).find("reads no text"),
            std::string::npos);
  EXPECT_NE(error_of("iemocap_merhan.json", {"text.trainable_layers=1", "text.dtype=bf16"}).find("fp32"),
            std::string::npos);
}

}  // namespace
}  // namespace merhan
