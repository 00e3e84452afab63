// Seed-004 baselines over named (precomputed) streams against an independent
// plain-PyTorch/NumPy reference (scripts/ref_baselines.py): the unimodal MLP on one
// precomputed stream, early fusion of three standardised pooled streams, late fusion
// of three members by majority vote and by mean probability. Padding holds garbage,
// one stream is a pooled vector (one row). Tolerance: 1e-6 absolute on the logits
// (log-probabilities for late fusion), fp32 on the CPU.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "merhan/io/npy.h"
#include "merhan/nn/emotion_model.h"
#include "merhan/nn/late_fusion.h"
#include "test_util.h"

namespace merhan {
namespace {

constexpr double kTolerance = 1e-6;
constexpr int64_t kBatch = 48;
constexpr int kClasses = 4;

void Save(const std::string& path, const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  WriteNpyFloat32(path, c.sizes().vec(), c.data_ptr<float>());
}

torch::Tensor Load(const std::string& path) {
  const auto a = ReadNpyFloat(path);
  return torch::from_blob(const_cast<float*>(a.data.data()), a.shape, torch::kFloat32).clone();
}

// A stream of `dim` features; `max_len` 1 = one pooled vector per utterance.
PaddedStream RandomStream(int64_t dim, int64_t max_len) {
  PaddedStream s;
  s.lengths =
      max_len == 1 ? torch::ones({kBatch}, torch::kInt64) : torch::randint(1, max_len + 1, {kBatch}, torch::kInt64);
  s.mask = torch::arange(max_len).unsqueeze(0) < s.lengths.unsqueeze(1);
  // Garbage (large values) in the padding: a model that reads it is caught.
  s.values = torch::where(s.mask.unsqueeze(-1), torch::randn({kBatch, max_len, dim}),
                          100 * torch::randn({kBatch, max_len, dim}));
  return s;
}

struct Variant {
  std::string name;
  ModelOptions options;
};

std::vector<Variant> Variants() {
  auto make = [](const std::string& type, std::vector<std::string> streams, const std::string& rule = "mean") {
    ModelOptions o;
    o.type = type;
    o.streams = std::move(streams);
    o.late_rule = rule;
    o.mlp_hidden = 16;
    o.fusion_hidden = 32;
    return o;
  };
  const std::vector<std::string> three = {"lexical", "acoustic", "visual"};
  return {{"mlp_visual", make("mlp", {"visual"})},
          {"mlp_acoustic", make("mlp", {"acoustic"})},
          {"early_three", make("early_fusion", three)},
          {"late_vote_three", make("late_fusion", three, "vote")},
          {"late_mean_three", make("late_fusion", three, "mean")}};
}

TEST(BaselinesParity, NamedStreamsMatchThePythonReference) {
  testing::TempDir dir;
  torch::manual_seed(4004);
  Batch batch;
  batch.streams["lexical"] = RandomStream(24, 11);
  batch.streams["acoustic"] = RandomStream(8, 17);
  batch.streams["visual"] = RandomStream(32, 1);
  for (int64_t i = 0; i < kBatch; ++i) batch.ids.push_back("u" + std::to_string(i));
  ModelDims dims;
  dims.num_classes = kClasses;
  dims.stream_dims = {{"lexical", 24}, {"acoustic", 8}, {"visual", 32}};

  nlohmann::json index;
  std::map<std::string, torch::Tensor> ours;
  for (const Variant& v : Variants()) {
    auto model = BuildModel(v.options, dims);
    EXPECT_FALSE(model->UsesAudio()) << v.name;
    EXPECT_FALSE(model->UsesText()) << v.name;
    if (model->NeedsInputStatistics()) {
      InputStatistics stats;
      for (const auto& [name, d] : dims.stream_dims) stats.streams[name] = {torch::randn({d}), 0.5 + torch::rand({d})};
      model->SetInputStatistics(stats);
    }
    model->eval();
    torch::NoGradGuard no_grad;
    ours[v.name] = model->forward(batch);
    nlohmann::json j = {{"name", v.name},
                        {"type", v.options.type},
                        {"rule", v.options.late_rule},
                        {"streams", v.options.streams},
                        {"output", v.name + ".out.npy"}};
    for (const auto& p : model->named_parameters()) {
      Save(dir.File(v.name + "." + p.key() + ".npy"), p.value());
      j["tensors"][p.key()] = v.name + "." + p.key() + ".npy";
    }
    for (const auto& b : model->named_buffers()) {
      Save(dir.File(v.name + "." + b.key() + ".npy"), b.value());
      j["tensors"][b.key()] = v.name + "." + b.key() + ".npy";
    }
    for (const auto& [name, s] : batch.streams) {
      Save(dir.File(v.name + ".in." + name + ".npy"), s.values);
      Save(dir.File(v.name + ".in." + name + ".mask.npy"), s.mask);
      j["inputs"][name] = {{"values", v.name + ".in." + name + ".npy"}, {"mask", v.name + ".in." + name + ".mask.npy"}};
    }
    index["variants"].push_back(j);
  }
  std::ofstream(dir.File("index.json")) << index.dump(1);
  const auto r = testing::RunCommand(testing::PythonBinary() + " " + testing::SourceDir() +
                                     "/scripts/ref_baselines.py " + dir.File("index.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const Variant& v : Variants()) {
    const auto reference = Load(dir.File(v.name + ".out.npy"));
    const auto& mine = ours.at(v.name);
    ASSERT_EQ(reference.sizes(), mine.sizes()) << v.name;
    const double diff = (reference - mine).abs().max().item<double>();
    std::printf("parity %-16s max |diff| = %.3g\n", v.name.c_str(), diff);
    EXPECT_LE(diff, kTolerance) << v.name;
    EXPECT_TRUE(torch::equal(reference.argmax(-1), mine.argmax(-1))) << v.name;
    EXPECT_GT((mine[0] - mine[1]).abs().max().item<double>(), 1e-4) << v.name;  // not constant
  }
}

TEST(LateFusion, ThreeVotersMajorityAndTies) {
  ModelOptions o;
  o.type = "late_fusion";
  o.late_rule = "vote";
  o.streams = {"a", "b", "c"};
  ModelDims dims;
  dims.num_classes = 3;
  dims.stream_dims = {{"a", 2}, {"b", 2}, {"c", 2}};
  auto model = BuildModel(o, dims);
  auto* late = dynamic_cast<LateFusionImpl*>(model.get());
  ASSERT_NE(late, nullptr);
  // Row 0: 2-1 majority for class 1 against a very confident class-0 voter.
  // Row 1: three different votes -> the most confident voter (c, class 2).
  // Row 2: all agree on class 0 -> the mean of all three.
  const auto a = torch::tensor({{5.f, 0.f, 0.f}, {1.f, 0.f, 0.f}, {2.f, 0.f, 0.f}});
  const auto b = torch::tensor({{0.f, 1.f, 0.f}, {0.f, 1.5f, 0.f}, {1.f, 0.f, 0.f}});
  const auto c = torch::tensor({{0.f, 2.f, 0.f}, {0.f, 0.f, 3.f}, {3.f, 0.f, 1.f}});
  const auto out = late->Combine({a, b, c});
  EXPECT_TRUE(torch::equal(out.argmax(-1), torch::tensor({1, 2, 0}, torch::kInt64)));
  const auto pa = torch::softmax(a, -1), pb = torch::softmax(b, -1), pc = torch::softmax(c, -1);
  EXPECT_TRUE(torch::allclose(out[0].exp(), (pb[0] + pc[0]) / 2, 1e-6, 1e-7));
  EXPECT_TRUE(torch::allclose(out[1].exp(), pc[1], 1e-6, 1e-7));
  EXPECT_TRUE(torch::allclose(out[2].exp(), (pa[2] + pb[2] + pc[2]) / 3, 1e-6, 1e-7));
}

}  // namespace
}  // namespace merhan
