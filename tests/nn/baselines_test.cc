// Seed-004 baselines: late-fusion combination rules and loss, early-fusion
// standardisation statistics and their storage in the checkpointed buffers.
#include <gtest/gtest.h>

#include "merhan/nn/early_fusion.h"
#include "merhan/nn/input_statistics.h"
#include "merhan/nn/late_fusion.h"
#include "merhan/nn/masked_ops.h"
#include "merhan/util/error.h"
#include "model_test_util.h"

namespace merhan {
namespace {

using testing::Collate;
using testing::RandomItems;

LateFusion MakeLate(const std::string& rule) {
  ModelOptions o;
  o.type = "late_fusion";
  o.late_rule = rule;
  return LateFusion(o, ModelDims{3, 40, 64});
}

TEST(LateFusion, MeanRuleIsTheMeanProbability) {
  auto late = MakeLate("mean");
  const auto a = torch::randn({5, 3}), t = torch::randn({5, 3});
  const auto expected = (torch::softmax(a, -1) + torch::softmax(t, -1)) / 2;
  EXPECT_TRUE(torch::allclose(late->Combine(a, t).exp(), expected, 1e-6, 1e-7));
}

TEST(LateFusion, VoteRuleAgreesOrFollowsTheMoreConfidentVoter) {
  auto late = MakeLate("vote");
  // Row 0: both vote class 2. Row 1: audio votes 0 (p=0.84), text votes 1 (p=0.58)
  // -> audio wins. Row 2: audio votes 0 weakly, text votes 2 strongly -> text wins.
  // Row 3: identical confidence, different classes -> the audio voter (documented).
  const auto a = torch::tensor({{0.f, 0.f, 3.f}, {3.f, 0.f, 1.f}, {0.5f, 0.f, 0.f}, {2.f, 0.f, 0.f}});
  const auto t = torch::tensor({{0.f, 1.f, 2.f}, {0.f, 1.f, 0.f}, {0.f, 0.f, 4.f}, {0.f, 2.f, 0.f}});
  const auto combined = late->Combine(a, t);
  EXPECT_TRUE(torch::equal(combined.argmax(-1), torch::tensor({2, 0, 2, 0}, torch::kInt64)));
  const auto pa = torch::softmax(a, -1), pt = torch::softmax(t, -1);
  EXPECT_TRUE(torch::allclose(combined[0].exp(), (pa[0] + pt[0]) / 2, 1e-6, 1e-7));
  EXPECT_TRUE(torch::allclose(combined[1].exp(), pa[1], 1e-6, 1e-7));
  EXPECT_TRUE(torch::allclose(combined[2].exp(), pt[2], 1e-6, 1e-7));
  EXPECT_TRUE(torch::allclose(combined[3].exp(), pa[3], 1e-6, 1e-7));
}

TEST(LateFusion, LossIsTheSumOfTheMembersLossesAndTheirGradientsDoNotMix) {
  torch::manual_seed(1);
  auto late = MakeLate("mean");
  auto batch = Collate(RandomItems({4, 7, 5}, {3, 2, 6}, 40, 64, 3));
  const auto [a, t] = late->MemberLogits(batch);
  const auto expected = torch::cross_entropy_loss(a, batch.labels) + torch::cross_entropy_loss(t, batch.labels);
  const auto loss = late->Loss(batch, {}, 0.0);
  EXPECT_NEAR(loss.item<double>(), expected.item<double>(), 1e-6);
  // The audio classifier's gradient equals the one from its own loss alone.
  loss.backward();
  const auto joint = late->named_parameters()["audio_classifier.fc1.weight"].grad().clone();
  late->zero_grad();
  torch::cross_entropy_loss(late->MemberLogits(batch).first, batch.labels).backward();
  EXPECT_TRUE(torch::allclose(joint, late->named_parameters()["audio_classifier.fc1.weight"].grad()));
}

TEST(EarlyFusion, StatisticsAreThoseOfTheTrainingUtterancesPooledMeans) {
  torch::manual_seed(2);
  const auto items = RandomItems({4, 9, 5, 12, 3}, {3, 8, 2, 6, 5}, 40, 64);
  InputStatisticsAccumulator acc(40, 64);
  acc.Add(Collate({items[0], items[1]}, 3, 3));
  acc.Add(Collate({items[2], items[3], items[4]}, 0, 2));
  EXPECT_EQ(acc.count(), 5);
  const auto stats = acc.Finish();
  // Reference: mean and population std (StandardScaler's ddof 0) of the pooled vectors.
  std::vector<torch::Tensor> audio, text;
  for (const auto& it : items) {
    audio.push_back(it.audio.mean(0));
    text.push_back(it.text.mean(0));
  }
  const auto a = torch::stack(audio), t = torch::stack(text);
  EXPECT_TRUE(torch::allclose(stats.audio_mean, a.mean(0), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(stats.audio_std, a.std(0, /*unbiased=*/false), 1e-4, 1e-6));
  EXPECT_TRUE(torch::allclose(stats.text_mean, t.mean(0), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(stats.text_std, t.std(0, /*unbiased=*/false), 1e-4, 1e-6));
  EXPECT_THROW(InputStatisticsAccumulator(40, 64).Finish(), InternalError);
}

TEST(EarlyFusion, StatisticsLiveInBuffersAndStandardiseTheInput) {
  torch::manual_seed(4);
  ModelOptions o;
  o.type = "early_fusion";
  auto model = BuildModel(o, ModelDims{4, 40, 64});
  ASSERT_TRUE(model->NeedsInputStatistics());
  InputStatistics stats{torch::randn({40}), 1 + torch::rand({40}), torch::randn({64}), 1 + torch::rand({64})};
  model->SetInputStatistics(stats);
  auto buffers = model->named_buffers();
  EXPECT_TRUE(torch::equal(buffers["audio_mean"], stats.audio_mean));
  EXPECT_TRUE(torch::equal(buffers["text_std"], stats.text_std));
  // Shifting a feature by its mean and scaling by its std is undone by the buffers.
  auto batch = Collate(RandomItems({5, 6}, {3, 4}, 40, 64));
  const auto before = model->forward(batch);
  auto moved = batch;
  moved.audio = batch.audio * 3;
  InputStatistics scaled = stats;
  scaled.audio_mean = stats.audio_mean * 3;
  scaled.audio_std = stats.audio_std * 3;
  model->SetInputStatistics(scaled);
  EXPECT_TRUE(torch::allclose(model->forward(moved), before, 1e-4, 1e-5));
  InputStatistics wrong = stats;
  wrong.text_mean = torch::zeros({63});
  EXPECT_THROW(model->SetInputStatistics(wrong), InternalError);
}

}  // namespace
}  // namespace merhan
