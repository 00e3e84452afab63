// The safetensors writer against the `safetensors` package's reader
// (scripts/read_safetensors.py) and against our own reader: every dtype comes
// back with its shape and exact values, metadata included.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "merhan/io/safetensors_writer.h"
#include "merhan/io/state_dict.h"
#include "test_util.h"

namespace merhan {
namespace {

std::map<std::string, torch::Tensor> EveryDtype() {
  // Values exactly representable in every float type: comparisons are exact.
  const auto base = torch::arange(6, torch::kFloat64).reshape({2, 3}) * 0.25 - 1;
  return {{"f64", base},
          {"f32", base.to(torch::kFloat32)},
          {"f16", base.to(torch::kFloat16)},
          {"bf16", base.to(torch::kBFloat16)},
          {"i64", torch::arange(6, torch::kInt64).reshape({2, 3}) - 2},
          {"i32", torch::arange(3, torch::kInt32)},
          {"u8", torch::arange(4, torch::kUInt8)},
          {"bool", torch::tensor({true, false, true})},
          {"block.inner.weight", torch::ones({4}).t()},
          {"strided", torch::arange(6, torch::kFloat32).reshape({2, 3}).t()},  // not contiguous
          {"empty", torch::zeros({0, 5})}};
}

TEST(SafetensorsWriter, TheSafetensorsPackageReadsWhatWeWrite) {
  testing::TempDir dir;
  const std::string path = dir.File("w.safetensors");
  const auto tensors = EveryDtype();
  SaveSafetensors(path, tensors, {{"format", "pt"}});
  const auto r = testing::RunCommand(testing::PythonBinary() + " " + testing::SourceDir() +
                                     "/scripts/read_safetensors.py " + path + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["metadata"], (nlohmann::json{{"format", "pt"}}));
  ASSERT_EQ(j["tensors"].size(), tensors.size());
  const std::map<std::string, std::string> dtypes = {
      {"f64", "float64"},     {"f32", "float32"},  {"f16", "float16"},
      {"bf16", "bfloat16"},   {"i64", "int64"},    {"i32", "int32"},
      {"u8", "uint8"},        {"bool", "bool"},    {"block.inner.weight", "float32"},
      {"strided", "float32"}, {"empty", "float32"}};
  for (const auto& [name, t] : tensors) {
    const auto& got = j["tensors"][name];
    EXPECT_EQ(got["dtype"], dtypes.at(name)) << name;
    EXPECT_EQ(got["shape"].get<std::vector<int64_t>>(), t.sizes().vec()) << name;
    const auto flat = t.flatten().to(torch::kFloat64).contiguous();
    ASSERT_EQ(got["values"].size(), static_cast<size_t>(flat.numel())) << name;
    for (int64_t i = 0; i < flat.numel(); ++i) {
      EXPECT_EQ(got["values"][i].get<double>(), flat[i].item<double>()) << name << "[" << i << "]";
    }
  }
}

TEST(SafetensorsWriter, OurReaderGetsBackTheSameTensors) {
  testing::TempDir dir;
  const std::string path = dir.File("w.safetensors");
  const auto tensors = EveryDtype();
  SaveSafetensors(path, tensors);
  const StateDict d = LoadSafetensors(path);
  ASSERT_EQ(d.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    EXPECT_EQ(d.Get(name).scalar_type(), t.scalar_type()) << name;
    EXPECT_TRUE(torch::equal(d.Get(name), t)) << name;
  }
}

}  // namespace
}  // namespace merhan
