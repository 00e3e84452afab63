// Parity of every model against an independent plain-PyTorch implementation of
// docs/design.md §4 and seed 004 (scripts/ref_merhan.py: torch.nn.LSTM with
// pack_padded_sequence, nn.MultiheadAttention, nn.Conv1d, nn.LayerNorm). The test
// saves each C++ model's parameters and buffers under their module names (.npy +
// index.json), the script loads them with load_state_dict(strict=True) -- so the
// module trees must agree name for name -- and runs the same padded batch (random
// garbage in the padding). Tolerance: max |logit difference| <= 1e-5 (fp32, CPU).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "merhan/io/npy.h"
#include "merhan/nn/early_fusion.h"
#include "merhan/nn/emotion_model.h"
#include "model_test_util.h"
#include "test_util.h"

namespace merhan {
namespace {

using testing::Collate;
using testing::ModelVariants;
using testing::RandomItems;
using testing::TempDir;

constexpr double kTolerance = 1e-5;

void SaveTensor(const std::string& dir, const std::string& file, const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  WriteNpyFloat32(dir + "/" + file, c.sizes().vec(), c.data_ptr<float>());
}

torch::Tensor LoadTensor(const std::string& path) {
  const auto a = ReadNpyFloat(path);
  return torch::from_blob(const_cast<float*>(a.data.data()), a.shape, torch::kFloat32).clone();
}

TEST(ModelParity, EveryVariantMatchesThePythonReference) {
  TempDir dir;
  torch::manual_seed(20230585);
  // Audio lengths differ from text lengths in both directions, so that pad
  // alignment meets audio-only and text-only positions.
  const auto items = RandomItems({37, 12, 25, 5}, {9, 21, 14, 3}, 40, 64);
  const auto items_wide = RandomItems({37, 12, 25, 5}, {9, 21, 14, 3}, 40, 384);

  nlohmann::json index;
  index["variants"] = nlohmann::json::array();
  std::map<std::string, torch::Tensor> cpp_logits;
  for (const auto& variant : ModelVariants()) {
    auto model = BuildModel(variant.options, variant.dims);
    testing::Perturb(*model);
    model->eval();
    const auto batch = Collate(variant.dims.text_dim == 384 ? items_wide : items, /*extra_audio=*/4, /*extra_text=*/3);
    torch::NoGradGuard no_grad;
    cpp_logits[variant.name] = model->forward(batch);

    nlohmann::json v;
    v["name"] = variant.name;
    v["options"] = nlohmann::json::parse(variant.options.ToString())["model"];
    v["dims"] = {{"num_classes", variant.dims.num_classes},
                 {"audio_dim", variant.dims.audio_dim},
                 {"text_dim", variant.dims.text_dim}};
    const std::string prefix = variant.name + ".";
    for (const auto& p : model->named_parameters()) {
      SaveTensor(dir.path(), prefix + p.key() + ".npy", p.value());
      v["tensors"][p.key()] = prefix + p.key() + ".npy";
    }
    for (const auto& b : model->named_buffers()) {
      SaveTensor(dir.path(), prefix + b.key() + ".npy", b.value());
      v["tensors"][b.key()] = prefix + b.key() + ".npy";
    }
    SaveTensor(dir.path(), prefix + "in.audio.npy", batch.audio);
    SaveTensor(dir.path(), prefix + "in.audio_lengths.npy", batch.audio_lengths);
    SaveTensor(dir.path(), prefix + "in.audio_mask.npy", batch.audio_mask);
    SaveTensor(dir.path(), prefix + "in.text.npy", batch.text);
    SaveTensor(dir.path(), prefix + "in.text_mask.npy", batch.text_mask);
    v["inputs"] = {{"audio", prefix + "in.audio.npy"},
                   {"audio_lengths", prefix + "in.audio_lengths.npy"},
                   {"audio_mask", prefix + "in.audio_mask.npy"},
                   {"text", prefix + "in.text.npy"},
                   {"text_mask", prefix + "in.text_mask.npy"}};
    v["output"] = prefix + "logits.npy";
    index["variants"].push_back(v);
  }
  std::ofstream(dir.File("index.json")) << index.dump(1);

  const auto result = testing::RunCommand(testing::PythonBinary() + " " + testing::SourceDir() +
                                          "/scripts/ref_merhan.py " + dir.File("index.json"));
  ASSERT_EQ(result.exit_code, 0) << result.output;

  for (const auto& variant : ModelVariants()) {
    const auto& ours = cpp_logits.at(variant.name);
    const auto reference = LoadTensor(dir.File(variant.name + ".logits.npy"));
    ASSERT_EQ(reference.sizes(), ours.sizes()) << variant.name;
    const double diff = (reference - ours).abs().max().item<double>();
    std::printf("parity %-20s max |logit diff| = %.3g  (logit scale %.3g)\n", variant.name.c_str(), diff,
                ours.abs().max().item<double>());
    EXPECT_LE(diff, kTolerance) << variant.name;
    // A constant output would pass trivially; the items must be told apart.
    EXPECT_GT((ours[0] - ours[1]).abs().max().item<double>(), 1e-4) << variant.name;
  }
}

}  // namespace
}  // namespace merhan
