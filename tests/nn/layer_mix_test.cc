// The learned weighted sum of a speech-encoder stream's hidden states (SUPERB's):
// uniform at the start, a softmax of learned logits, linear (so it commutes with
// masked mean pooling), and the models that read such a stream build with it.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "merhan/nn/emotion_model.h"
#include "merhan/nn/layer_mix.h"
#include "merhan/nn/masked_ops.h"
#include "merhan/util/error.h"

namespace merhan {
namespace {

TEST(LayerMix, StartsUniformAndMixesBySoftmaxOfItsWeights) {
  torch::manual_seed(0);
  LayerMix mix("wavlm", 3, 4);
  const torch::Tensor rows = torch::randn({2, 5, 12});  // (B, T, 3 layers x 4)
  const torch::Tensor layers = rows.view({2, 5, 3, 4});
  EXPECT_TRUE(torch::allclose(mix->forward(rows), layers.mean(2), 1e-6, 1e-6));
  for (double w : mix->Weights()) EXPECT_NEAR(w, 1.0 / 3, 1e-12);

  torch::NoGradGuard no_grad;
  mix->named_parameters()["weights"].copy_(torch::tensor({0.0f, 1.0f, 2.0f}));
  const torch::Tensor w = torch::softmax(torch::tensor({0.0, 1.0, 2.0}), 0);
  const torch::Tensor want = layers.select(2, 0) * w[0].item<double>() + layers.select(2, 1) * w[1].item<double>() +
                             layers.select(2, 2) * w[2].item<double>();
  EXPECT_TRUE(torch::allclose(mix->forward(rows), want, 1e-6, 1e-6));
  const std::vector<double> weights = mix->Weights();
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(weights[static_cast<size_t>(k)], w[k].item<double>(), 1e-7);  // float32 logits
  // Linear: mixing the pooled rows is pooling the mixed rows.
  const torch::Tensor mask = torch::tensor({1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, torch::kBool).view({2, 5});
  EXPECT_TRUE(torch::allclose(mix->forward(MaskedMean(rows, mask)), MaskedMean(mix->forward(rows), mask), 1e-5, 1e-6));
  EXPECT_THROW(mix->forward(torch::zeros({1, 2, 8})), DataError);
}

TEST(LayerMix, LearnsByGradient) {
  LayerMix mix("wavlm", 2, 1);
  const torch::Tensor rows = torch::tensor({{0.0f, 1.0f}});  // layer 0 = 0, layer 1 = 1
  torch::optim::SGD sgd(mix->parameters(), 1.0);
  for (int i = 0; i < 20; ++i) {
    sgd.zero_grad();
    const torch::Tensor loss = (mix->forward(rows) - 1.0).square().sum();  // wants layer 1
    loss.backward();
    sgd.step();
  }
  EXPECT_GT(mix->Weights()[1], 0.9);
}

// Every model reading a 3-layer stream of 8 builds a mix for it and runs; the
// listing names the stream once per model that reads it.
TEST(LayerMix, ModelsReadingAMultiLayerStreamMixIt) {
  ModelDims dims;
  dims.stream_dims["wavlm"] = 8;
  dims.stream_layers["wavlm"] = 3;
  dims.text_dim = 8;
  Batch batch;
  batch.streams["wavlm"] = PaddedStream{torch::randn({2, 6, 24}), torch::ones({2, 6}, torch::kBool),
                                        torch::full({2}, 6, torch::kInt64)};
  batch.text = torch::randn({2, 4, 8});
  batch.text_mask = torch::ones({2, 4}, torch::kBool);
  for (const char* type : {"merhan", "mlp", "early_fusion", "late_fusion"}) {
    ModelOptions options;
    options.type = type;
    options.streams = std::string(type) == "mlp" ? std::vector<std::string>{"wavlm"}
                                                 : std::vector<std::string>{"wavlm", "text"};
    options.lstm_hidden = 8;
    options.cma_dim = 8;
    options.heads = 2;
    EmotionModel model = BuildModel(options, dims);
    model->eval();
    EXPECT_EQ(model->forward(batch).sizes(), (std::vector<int64_t>{2, 4})) << type;
    const auto weights = LayerMixWeights(*model);
    ASSERT_EQ(weights.size(), 1u) << type;
    EXPECT_EQ(weights.begin()->first, "wavlm") << type;
    EXPECT_EQ(weights.begin()->second.size(), 3u) << type;
  }
}

}  // namespace
}  // namespace merhan
