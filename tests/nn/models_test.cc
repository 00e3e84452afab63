// Behaviour of every model: module names, mask handling (padding never changes a
// valid item's output), gradient flow, training sanity, errors on bad input.
#include <gtest/gtest.h>

#include <set>

#include "merhan/nn/emotion_model.h"
#include "merhan/nn/merhan_model.h"
#include "merhan/util/error.h"
#include "model_test_util.h"

namespace merhan {
namespace {

using testing::Collate;
using testing::ModelVariants;
using testing::RandomItems;

std::set<std::string> ParameterNames(const EmotionModel& model) {
  std::set<std::string> names;
  for (const auto& p : model->named_parameters()) names.insert(p.key());
  return names;
}

TEST(MerhanModel, ModuleNamesAreStable) {
  const auto names = ParameterNames(BuildModel(ModelOptions{}, ModelDims{4, 40, 384}));
  for (const char* expected :
       {"audio_encoder.lstm.weight_ih_l0", "audio_encoder.lstm.weight_hh_l1_reverse",
        "audio_encoder.local_attention.attention.in_proj_weight",
        "audio_encoder.local_attention.attention.out_proj.weight", "audio_encoder.local_attention.norm.weight",
        "text_local_attention.attention.in_proj_weight", "text_local_attention.norm.bias",
        "cma.audio_projection.weight", "cma.text_projection.bias", "cma.audio_unit.attention.in_proj_bias",
        "cma.audio_unit.norm.weight", "cma.text_unit.attention.out_proj.bias", "global_attention.projection.weight",
        "global_attention.score.weight", "classifier.weight", "classifier.bias"}) {
    EXPECT_TRUE(names.count(expected)) << expected;
  }
  // Sizes from docs/design.md §4: BiLSTM 2x256 over 40 MFCCs, conv 512 -> 256 and 384 -> 256.
  auto model = BuildModel(ModelOptions{}, ModelDims{4, 40, 384});
  const auto params = model->named_parameters();
  EXPECT_EQ(params["audio_encoder.lstm.weight_ih_l0"].sizes(), torch::IntArrayRef({1024, 40}));
  EXPECT_EQ(params["audio_encoder.lstm.weight_ih_l1"].sizes(), torch::IntArrayRef({1024, 512}));
  EXPECT_EQ(params["cma.audio_projection.weight"].sizes(), torch::IntArrayRef({256, 512, 1}));
  EXPECT_EQ(params["cma.text_projection.weight"].sizes(), torch::IntArrayRef({256, 384, 1}));
  EXPECT_EQ(params["classifier.weight"].sizes(), torch::IntArrayRef({4, 256}));
}

TEST(MerhanModel, AblationSwitchesRemoveTheirModules) {
  ModelOptions o;
  o.use_cma = false;
  auto names = ParameterNames(BuildModel(o, ModelDims{4, 40, 64}));
  EXPECT_TRUE(names.count("cma.audio_projection.weight"));  // projections stay
  EXPECT_FALSE(names.count("cma.audio_unit.attention.in_proj_weight"));
  o = ModelOptions{};
  o.use_global_attention = false;
  EXPECT_FALSE(ParameterNames(BuildModel(o, ModelDims{4, 40, 64})).count("global_attention.score.weight"));
  o = ModelOptions{};
  o.modalities = "audio";
  o.audio_local_attention = false;
  auto model = BuildModel(o, ModelDims{4, 40, 64});
  names = ParameterNames(model);
  EXPECT_FALSE(model->UsesText());
  EXPECT_TRUE(model->UsesAudio());
  for (const auto& n : names) {
    EXPECT_TRUE(n.rfind("audio_encoder.lstm.", 0) == 0 || n.rfind("global_attention.", 0) == 0 ||
                n.rfind("classifier.", 0) == 0)
        << n;
  }
  EXPECT_EQ(model->named_parameters()["classifier.weight"].size(1), 512);
  o = ModelOptions{};
  o.modalities = "text";
  o.combine = "concat";
  model = BuildModel(o, ModelDims{4, 40, 64});
  EXPECT_FALSE(model->UsesAudio());
  EXPECT_EQ(model->named_parameters()["classifier.weight"].size(1), 64);
  o = ModelOptions{};
  o.combine = "concat";
  EXPECT_EQ(BuildModel(o, ModelDims{4, 40, 64})->named_parameters()["classifier.weight"].size(1), 512);
  o.align = "pool";
  names = ParameterNames(BuildModel(o, ModelDims{4, 40, 64}));
  EXPECT_TRUE(names.count("audio_pool.score.weight"));
  EXPECT_TRUE(names.count("text_pool.score.weight"));
  EXPECT_FALSE(names.count("global_attention.score.weight"));
}

// Padding never changes a valid item's logits: the same utterances with extra
// (garbage-filled) padding, or each utterance alone in its own batch, give the
// same logits within 1e-5 in eval mode.
TEST(Models, PaddingNeverChangesValidOutputs) {
  torch::manual_seed(7);
  const auto items = RandomItems({30, 8, 17}, {6, 19, 11}, 40, 64);
  const auto items_wide = RandomItems({30, 8, 17}, {6, 19, 11}, 40, 384);
  for (const auto& variant : ModelVariants()) {
    SCOPED_TRACE(variant.name);
    auto model = BuildModel(variant.options, variant.dims);
    testing::Perturb(*model);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto& its = variant.dims.text_dim == 384 ? items_wide : items;
    const auto tight = model->forward(Collate(its, 0, 0, /*zero_padding=*/true));
    const auto padded = model->forward(Collate(its, 23, 17));
    EXPECT_LE((tight - padded).abs().max().item<double>(), 1e-5);
    for (size_t i = 0; i < its.size(); ++i) {
      const auto alone = model->forward(Collate({its[i]}, 0, 0, true));
      EXPECT_LE((alone[0] - tight[i]).abs().max().item<double>(), 1e-5) << "item " << i;
    }
    const auto probabilities = model->Probabilities(Collate(its, 5, 5));
    EXPECT_LE((probabilities.sum(-1) - 1).abs().max().item<double>(), 1e-5);
  }
}

// Every parameter receives a gradient, and the padding none.
TEST(Models, GradientsReachEveryParameterAndNoPadding) {
  torch::manual_seed(11);
  const auto items = RandomItems({30, 8, 17}, {6, 19, 11}, 40, 64);
  const auto items_wide = RandomItems({30, 8, 17}, {6, 19, 11}, 40, 384);
  for (const auto& variant : ModelVariants()) {
    SCOPED_TRACE(variant.name);
    auto model = BuildModel(variant.options, variant.dims);
    model->train();
    auto batch = Collate(variant.dims.text_dim == 384 ? items_wide : items, 6, 4);
    batch.audio.requires_grad_(true);
    batch.text.requires_grad_(true);
    model->Loss(batch, torch::Tensor(), 0.0).backward();
    for (const auto& p : model->named_parameters()) {
      ASSERT_TRUE(p.value().grad().defined()) << p.key();
      EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
    }
    for (const auto& [input, mask] :
         {std::pair{batch.audio, batch.audio_mask}, std::pair{batch.text, batch.text_mask}}) {
      if (!input.grad().defined()) continue;  // stream unused by this model
      EXPECT_EQ(input.grad().masked_select(mask.logical_not().unsqueeze(-1)).abs().sum().item<double>(), 0.0);
      EXPECT_GT(input.grad().abs().sum().item<double>(), 0.0);
    }
  }
}

// A few Adam steps on a small separable problem (class = direction of the mean of
// the audio frames and of the text vectors) reduce the loss substantially.
TEST(Models, AdamStepsReduceTheLossOnASeparableProblem) {
  // One thread: these tiny ops gain nothing from more, and OpenMP spinning on a
  // busy shared machine made the test 20x slower.
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);
  struct Restore {
    int n;
    ~Restore() { torch::set_num_threads(n); }
  } restore{threads};
  torch::manual_seed(3);
  const int classes = 4;
  const auto audio_directions = 2 * torch::randn({classes, 40});
  const auto text_directions = 2 * torch::randn({classes, 64});
  std::vector<testing::Item> items;
  for (int i = 0; i < 24; ++i) {
    const int64_t label = i % classes;
    const int64_t la = 5 + (i * 7) % 20, lt = 3 + (i * 5) % 9;
    items.push_back(
        {torch::randn({la, 40}) + audio_directions[label], torch::randn({lt, 64}) + text_directions[label], label});
  }
  const auto batch = Collate(items, 2, 2);
  // A representative subset keeps the test quick: the full model, one MER-HAN
  // ablation per block, and every baseline family.
  const std::set<std::string> trained = {"full_small", "no_cma",   "add_pool",     "audio_attn",      "text_attn",
                                         "audio_mlp",  "text_mlp", "early_fusion", "late_fusion_mean"};
  for (const auto& variant : ModelVariants()) {
    if (!trained.count(variant.name)) continue;
    SCOPED_TRACE(variant.name);
    torch::manual_seed(5);
    auto model = BuildModel(variant.options, variant.dims);
    if (model->NeedsInputStatistics()) {
      InputStatistics stats{torch::zeros({40}), torch::full({40}, 2.0), torch::zeros({64}), torch::full({64}, 2.0)};
      model->SetInputStatistics(stats);
    }
    torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(3e-3));
    model->train();
    const double initial = model->Loss(batch, {}, 0.0).item<double>();
    double last = initial;
    for (int step = 0; step < 30; ++step) {
      adam.zero_grad();
      auto loss = model->Loss(batch, {}, 0.0);
      loss.backward();
      adam.step();
      last = loss.item<double>();
    }
    model->eval();
    torch::NoGradGuard no_grad;
    const double final_loss = model->Loss(batch, {}, 0.0).item<double>();
    const double accuracy =
        model->Probabilities(batch).argmax(-1).eq(batch.labels).to(torch::kFloat64).mean().item<double>();
    EXPECT_LT(final_loss, 0.5 * initial) << "initial " << initial << " last " << last;
    EXPECT_GE(accuracy, 0.9);
  }
}

TEST(Models, BadInputAndOptionsAreUsageErrors) {
  auto model = BuildModel(ModelOptions{}, ModelDims{4, 40, 64});
  auto batch = Collate(RandomItems({5, 6}, {3, 4}, 40, 32), 0, 0);
  EXPECT_THROW(model->forward(batch), UsageError);  // text of the wrong width
  batch = Collate(RandomItems({5, 6}, {3, 4}, 40, 64), 0, 0);
  batch.text = torch::Tensor();
  EXPECT_THROW(model->forward(batch), UsageError);  // no text at all
  batch = Collate(RandomItems({5, 6}, {3, 4}, 40, 64), 0, 0);
  batch.audio_lengths[0] = 0;
  EXPECT_THROW(model->forward(batch), UsageError);

  ModelOptions o;
  EXPECT_THROW(BuildModel(o, ModelDims{4, 40, 66}), UsageError);  // 4 heads do not divide 66
  o.align = "pool";
  o.use_global_attention = false;
  EXPECT_THROW(BuildModel(o, ModelDims{4, 40, 64}), UsageError);
  EXPECT_THROW(BuildModel(ModelOptions{}, ModelDims{1, 40, 64}), UsageError);
}

TEST(Models, ModelsReadOnlyTheStreamsTheyUse) {
  const ModelDims dims{4, 40, 64};
  ModelOptions o;
  o.type = "audio";
  auto model = BuildModel(o, dims);
  EXPECT_TRUE(model->UsesAudio());
  EXPECT_FALSE(model->UsesText());
  auto batch = Collate(RandomItems({5, 6}, {3, 4}, 40, 64));
  batch.text = torch::Tensor();
  batch.text_mask = torch::Tensor();
  EXPECT_EQ(model->forward(batch).sizes(), torch::IntArrayRef({2, 4}));
  o.type = "merhan";
  o.modalities = "audio";
  EXPECT_EQ(BuildModel(o, dims)->forward(batch).sizes(), torch::IntArrayRef({2, 4}));
}

// The data pipeline decides which streams to extract from ModelOptions before any
// model exists; every model must read exactly those.
TEST(Models, EveryModelUsesTheStreamsItsOptionsName) {
  const ModelDims dims{4, 40, 64};
  int checked = 0;
  for (const std::string type : {"merhan", "audio", "text", "early_fusion", "late_fusion"}) {
    for (const std::string modalities : {"both", "audio", "text"}) {
      if (type != "merhan" && modalities != "both") continue;
      ModelOptions o;
      o.type = type;
      o.modalities = modalities;
      const auto model = BuildModel(o, dims);
      EXPECT_EQ(model->UsesAudio(), o.UsesAudio()) << type << "/" << modalities;
      EXPECT_EQ(model->UsesText(), o.UsesText()) << type << "/" << modalities;
      EXPECT_TRUE(o.UsesAudio() || o.UsesText()) << type << "/" << modalities;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 7);
}

// Either MER-HAN branch may read a precomputed sequence stream (model.streams =
// [audio branch, text branch]); it is the same branch code on a different input, so
// the same tensor given as a precomputed stream or as MFCC (encoder states) gives
// bit-identical logits, with the same module names (checkpoints load either way).
ModelOptions SmallMerhan() {
  ModelOptions o;
  o.lstm_hidden = 8;
  o.lstm_layers = 1;
  o.cma_dim = 8;
  return o;
}

void ExpectSameLogits(ModelOptions computed, ModelOptions precomputed, const ModelDims& dims, const Batch& a,
                      const Batch& b) {
  torch::manual_seed(7);
  auto reference = BuildModel(computed, dims);
  auto model = BuildModel(precomputed, dims);
  ASSERT_EQ(ParameterNames(reference), ParameterNames(model));
  {
    torch::NoGradGuard no_grad;
    const auto params = reference->named_parameters();
    for (auto& p : model->named_parameters()) p.value().copy_(params[p.key()]);
  }
  reference->eval();
  model->eval();
  const auto expected = reference->forward(a);
  const auto got = model->forward(b);
  EXPECT_TRUE(torch::equal(expected, got)) << (expected - got).abs().max().item<double>();
  EXPECT_GT((got[0] - got[1]).abs().max().item<double>(), 1e-6);  // not constant
}

TEST(MerhanBranches, PrecomputedStreamInTheAudioBranchIsTheMfccPath) {
  torch::manual_seed(3);
  const Batch mfcc = Collate(RandomItems({9, 4, 7}, {5, 6, 3}, 12, 16), /*extra_audio=*/2);
  Batch ssl = mfcc;
  ssl.streams["ssl"] = PaddedStream{mfcc.audio, mfcc.audio_mask, mfcc.audio_lengths};
  ssl.audio = ssl.audio_mask = ssl.audio_lengths = torch::Tensor();  // nothing computed reaches the model
  ModelDims dims{4, 12, 16};  // MFCC and the stream both 12 wide: one set of weights fits both models
  dims.stream_dims["ssl"] = 12;
  ModelOptions precomputed = SmallMerhan();
  precomputed.streams = {"ssl", "text"};
  EXPECT_EQ(precomputed.Inputs(), (std::vector<std::string>{"ssl", "text"}));
  EXPECT_FALSE(precomputed.UsesAudio());
  EXPECT_TRUE(precomputed.UsesText());
  // The branch's input size is the stream's dim, not the MFCC size.
  ModelDims wide = dims;
  wide.audio_dim = 40;
  EXPECT_EQ(BuildModel(precomputed, wide)->named_parameters()["audio_encoder.lstm.weight_ih_l0"].size(1), 12);
  ExpectSameLogits(SmallMerhan(), precomputed, dims, mfcc, ssl);
  for (const std::string align : {"pad", "pool"}) {
    ModelOptions a = SmallMerhan(), b = precomputed;
    a.align = b.align = align;
    a.modalities = b.modalities = "audio";
    b.streams = {"ssl"};
    ExpectSameLogits(a, b, dims, mfcc, ssl);
  }
}

TEST(MerhanBranches, PrecomputedStreamInTheTextBranchIsTheEncoderPath) {
  torch::manual_seed(4);
  const Batch computed = Collate(RandomItems({9, 4, 7}, {5, 6, 3}, 40, 24), 0, /*extra_text=*/3);
  Batch states = computed;
  states.streams["states"] = PaddedStream{computed.text, computed.text_mask, computed.text_mask.sum(1)};
  states.text = states.text_mask = torch::Tensor();
  ModelDims dims{4, 40, 24};
  dims.stream_dims["states"] = 24;
  ModelOptions precomputed = SmallMerhan();
  precomputed.streams = {"audio", "states"};
  EXPECT_TRUE(precomputed.UsesAudio());
  EXPECT_FALSE(precomputed.UsesText());
  ExpectSameLogits(SmallMerhan(), precomputed, dims, computed, states);
}

TEST(MerhanBranches, ConfigErrorsNameTheKey) {
  auto error_of = [](std::vector<std::string> streams, const std::string& modalities = "both", int ssl_dim = 12) {
    ModelOptions o = SmallMerhan();
    o.streams = std::move(streams);
    o.modalities = modalities;
    ModelDims dims{4, 40, 16};
    dims.stream_dims["ssl"] = ssl_dim;
    try {
      BuildModel(o, dims);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of({"ssl"}).find("model.streams: model.type merhan with model.modalities=both reads [audio"),
            std::string::npos)
      << error_of({"ssl"});
  EXPECT_NE(error_of({"ssl", "text"}, "audio").find("reads one stream"), std::string::npos);
  EXPECT_NE(error_of({"text", "ssl"}).find("model.streams[0]: MER-HAN's audio branch"), std::string::npos);
  EXPECT_NE(error_of({"ssl", "audio"}).find("model.streams[1]: MER-HAN's text branch"), std::string::npos);
  EXPECT_NE(error_of({"audio"}, "text").find("model.streams[0]: MER-HAN's text branch"), std::string::npos);
  EXPECT_NE(error_of({"ssl", "ssl"}).find("listed twice"), std::string::npos);
  EXPECT_NE(error_of({"audio", "ssl"}, "both", 10)
                .find("model.heads: must divide the text branch's feature size 10 "
                      "(stream ssl)"),
            std::string::npos)
      << error_of({"audio", "ssl"}, "both", 10);
  EXPECT_NE(error_of({"nowhere", "text"}).find("no features of stream \"nowhere\""), std::string::npos);
  EXPECT_EQ(error_of({"audio", "ssl"}), "no error");
}

}  // namespace
}  // namespace merhan

namespace merhan {
namespace {

// On a CUDA machine every model gives the CPU's logits (fp32; TF32 off by default
// in LibTorch matmuls, tolerance 1e-4 for cuDNN's LSTM/attention kernels).
TEST(Models, CudaMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::manual_seed(13);
  const auto items = RandomItems({30, 8, 17}, {6, 19, 11}, 40, 64);
  const auto items_wide = RandomItems({30, 8, 17}, {6, 19, 11}, 40, 384);
  for (const auto& variant : ModelVariants()) {
    SCOPED_TRACE(variant.name);
    auto model = BuildModel(variant.options, variant.dims);
    testing::Perturb(*model);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto batch = Collate(variant.dims.text_dim == 384 ? items_wide : items, 4, 3);
    const auto cpu = model->forward(batch);
    model->to(torch::kCUDA);
    Batch on_cuda = batch;  // (Batch::To lives in merhan_data, which nn_test does not link)
    for (auto* t : {&on_cuda.audio, &on_cuda.audio_lengths, &on_cuda.audio_mask, &on_cuda.text, &on_cuda.text_mask,
                    &on_cuda.labels}) {
      *t = t->to(torch::kCUDA);
    }
    const auto cuda = model->forward(on_cuda).cpu();
    EXPECT_LE((cpu - cuda).abs().max().item<double>(), 1e-4);
  }
}

}  // namespace
}  // namespace merhan
