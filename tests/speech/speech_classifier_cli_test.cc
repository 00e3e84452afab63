// Published speech emotion classifiers (`*ForSequenceClassification` directories) as
// complete models: `merhan predict --model DIR --wav` against transformers' softmax of
// the same checkpoint on the same clip (scripts/make_speech_encoder_fixtures.py:
// a Wav2Vec2ForSequenceClassification with a weighted layer sum, saved as a legacy
// .bin, and a stable-layer-norm HubertForSequenceClassification reading
// last_hidden_state; 4 classes named in id2label), within 1e-4; `eval --model DIR` on a
// manifest; a malformed id2label refused naming the file.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <csignal>
#include <fstream>

#include <nlohmann/json.hpp>

#include "speech_fixtures.h"

namespace merhan {
namespace {

namespace fs = std::filesystem;

nlohmann::json PredictJson(const std::string& output) {
  const size_t open = output.find('{');
  return open == std::string::npos ? nlohmann::json() : nlohmann::json::parse(output.substr(open));
}

TEST(SpeechClassifierCli, PredictMatchesTransformersSoftmax) {
  const std::string root = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  const std::vector<std::string> classes = {"neu", "hap", "ang", "sad"};
  for (const char* variant : {"wav2vec2-base-cls-legacy", "hubert-large"}) {
    const std::string model = root + "/" + variant;
    for (const char* clip : {"odd", "long"}) {
      const auto r = testing::RunCommand("OMP_NUM_THREADS=1 " + testing::MerhanBinary() + " predict --model " +
                                         testing::Quote(model) + " --wav " + testing::Quote(root + "/clips/" + clip + ".wav"));
      ASSERT_EQ(r.exit_code, 0) << variant << "\n" << r.output;
      const nlohmann::json got = PredictJson(r.output);
      const torch::Tensor want = testing::LoadNpyTensor(model + "/reference/" + clip + ".probabilities.npy");
      ASSERT_EQ(want.numel(), 4);
      for (int k = 0; k < 4; ++k) {
        EXPECT_NEAR(got["probabilities"][classes[static_cast<size_t>(k)]].get<double>(), want[k].item<double>(), 1e-4)
            << variant << " " << clip << " " << classes[static_cast<size_t>(k)];
      }
      EXPECT_EQ(got["label"], classes[static_cast<size_t>(want.argmax().item<int64_t>())]) << variant << " " << clip;
    }
  }
}

// serve --model DIR answers a wav without a transcript as predict does.
TEST(SpeechClassifierCli, ServeTakesTheWavAlone) {
  const std::string root = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  testing::TempDir tmp;
  const std::string model = root + "/wav2vec2-base-cls-legacy", wav = root + "/clips/odd.wav";
  testing::Process server(testing::Quote(testing::MerhanBinary()) + " serve --model " + testing::Quote(model) +
                              " --port 0 --threads 1",
                          tmp.File("serve.log"));
  ASSERT_TRUE(server.WaitForLog("listening on http://127.0.0.1:", 60)) << server.Log();
  const std::string log = server.Log();
  const std::string port = log.substr(log.find("127.0.0.1:") + 10, 5);
  const auto r = testing::RunCommand("curl -s -S -H 'Content-Type: audio/wav' --data-binary @" + testing::Quote(wav) +
                                     " http://127.0.0.1:" + std::to_string(std::stoi(port)) + "/v1/predict");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json got = nlohmann::json::parse(r.output);
  const torch::Tensor want = testing::LoadNpyTensor(model + "/reference/odd.probabilities.npy");
  const std::vector<std::string> classes = {"neu", "hap", "ang", "sad"};
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(got["probabilities"][classes[static_cast<size_t>(k)]].get<double>(), want[k].item<double>(), 1e-4)
        << r.output;
  }
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0) << server.Log();
}

TEST(SpeechClassifierCli, EvalOnAManifestAndBadLabelsRefused) {
  const std::string root = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  testing::TempDir tmp;
  const std::string manifest = tmp.File("m.jsonl");
  std::ofstream(manifest) << nlohmann::json{{"id", "a"}, {"wav", root + "/clips/odd.wav"}, {"text", "x"}, {"label", "ang"}, {"speaker", "s1"}}.dump() << "\n"
                          << nlohmann::json{{"id", "b"}, {"wav", root + "/clips/long.wav"}, {"text", "x"}, {"label", "sad"}, {"speaker", "s2"}}.dump() << "\n";
  const std::string model = root + "/hubert-large";
  // The features are cached under ./cache (data.cache_dir's default): run it in tmp.
  auto r = testing::RunCommand("cd " + testing::Quote(tmp.File("")) + " && OMP_NUM_THREADS=1 " + testing::MerhanBinary() + " eval --model " + testing::Quote(model) +
                               " --manifest " + testing::Quote(manifest) + " --output " + tmp.File("eval.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json ev = testing::ReadJson(tmp.File("eval.json"));
  EXPECT_EQ(ev["count"], 2) << ev.dump().substr(0, 300);
  EXPECT_EQ(ev["classes"], nlohmann::json({"neu", "hap", "ang", "sad"}));

  const std::string broken = tmp.File("broken");
  fs::copy(model, broken, fs::copy_options::recursive);
  nlohmann::json config = testing::ReadJson(broken + "/config.json");
  config["id2label"] = {{"0", "neu"}, {"2", "ang"}};
  std::ofstream(broken + "/config.json") << config.dump();
  r = testing::RunCommand(testing::MerhanBinary() + " predict --model " + testing::Quote(broken) + " --wav " +
                          testing::Quote(root + "/clips/odd.wav"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(broken + "/config.json: id2label must map the ids 0..n-1"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace merhan
