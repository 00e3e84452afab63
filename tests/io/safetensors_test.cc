// The safetensors reader against files written by the `safetensors` package
// (scripts/make_safetensors_dtypes.py) and against malformed files, which must
// give a DataError naming the file, never a crash.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "merhan/io/safetensors_header.h"
#include "merhan/io/state_dict.h"
#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

TEST(Safetensors, ReadsEveryDtypeWrittenByTheSafetensorsPackage) {
  testing::TempDir dir;
  const std::string path = dir.File("dtypes.safetensors");
  const auto r = testing::RunCommand(testing::PythonBinary() + " " + testing::SourceDir() +
                                     "/scripts/make_safetensors_dtypes.py " + path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const StateDict d = LoadSafetensors(path);
  EXPECT_EQ(d.size(), 7u);
  const auto expected = torch::arange(6, torch::kFloat64).reshape({2, 3}) * 0.25 - 1;
  EXPECT_EQ(d.Get("f32").scalar_type(), torch::kFloat32);
  EXPECT_EQ(d.Get("f16").scalar_type(), torch::kFloat16);
  EXPECT_EQ(d.Get("bf16").scalar_type(), torch::kBFloat16);
  // The values are exactly representable in every float type: compare exactly.
  for (const char* name : {"f32", "f16", "bf16", "f64"}) {
    EXPECT_TRUE(torch::equal(d.Get(name).to(torch::kFloat64), expected)) << name;
  }
  EXPECT_TRUE(torch::equal(d.Get("i64"), torch::arange(6, torch::kInt64).reshape({2, 3}) - 2));
  EXPECT_EQ(d.Get("empty").sizes(), (std::vector<int64_t>{0, 5}));
  const StateDict block = d.Select("block.");
  ASSERT_TRUE(block.Has("inner.weight"));
  EXPECT_EQ(block.size(), 1u);
  try {
    d.Get("nope");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos);
  }
}

std::string Container(const std::string& header, const std::string& data, int64_t declared_len = -1) {
  const uint64_t n = declared_len < 0 ? header.size() : static_cast<uint64_t>(declared_len);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string Entry(const std::string& dtype, const std::string& shape, uint64_t begin, uint64_t end) {
  return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + std::to_string(begin) + "," +
         std::to_string(end) + "]}";
}

struct Malformed {
  const char* what;
  std::string bytes;
  const char* message_part;
};

TEST(Safetensors, MalformedFilesGiveDataErrorsNamingTheFile) {
  const std::string ok_header = "{\"a\":" + Entry("F32", "[2]", 0, 8) + "}";
  const std::string eight(8, '\x01');
  const std::vector<Malformed> cases = {
      {"empty file", "", "shorter than"},
      {"header length beyond the file", Container(ok_header, eight, 1000), "past the end"},
      {"huge header length", Container(ok_header, eight, int64_t{1} << 40), "exceeds"},
      {"non-JSON header", Container("{\"a\": [1, 2", eight), "not JSON"},
      {"header is a list", Container("[1,2,3]", eight), "not a JSON object"},
      {"offsets out of range", Container("{\"a\":" + Entry("F32", "[2]", 0, 16) + "}", eight), "run past"},
      {"size mismatch", Container("{\"a\":" + Entry("F32", "[3]", 0, 8) + "}", eight), "needs 12"},
      {"truncated data", Container(ok_header, "\x01\x02\x03"), "run past"},
      {"begin after end", Container("{\"a\":" + Entry("F32", "[0]", 8, 4) + "}", eight), "begin > end"},
      {"unknown dtype", Container("{\"a\":" + Entry("Q4", "[2]", 0, 8) + "}", eight), "unsupported dtype"},
      {"negative dimension", Container("{\"a\":" + Entry("F32", "[-2]", 0, 8) + "}", eight), "non-negative"},
      {"overflowing shape",
       Container("{\"a\":" + Entry("F32", "[4294967296,4294967296,4294967296]", 0, 8) + "}", eight), "overflows"},
      {"overlapping tensors",
       Container("{\"a\":" + Entry("F32", "[2]", 0, 8) + ",\"b\":" + Entry("F32", "[1]", 4, 8) + "}", eight),
       "overlap"},
      {"trailing bytes", Container(ok_header, eight + "xx"), "cover 8"},
      {"missing offsets", Container("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", eight), "data_offsets"},
      {"metadata not strings", Container("{\"__metadata__\":{\"k\":1}}", ""), "not a string"},
  };
  testing::TempDir dir;
  for (const auto& c : cases) {
    const std::string path = dir.File("bad.safetensors");
    {
      std::ofstream out(path, std::ios::binary);
      out << c.bytes;
    }
    try {
      LoadSafetensors(path);
      ADD_FAILURE() << c.what << ": no error";
    } catch (const DataError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(path), std::string::npos) << c.what << ": " << msg;
      EXPECT_NE(msg.find(c.message_part), std::string::npos) << c.what << ": " << msg;
    }
  }
  EXPECT_THROW(LoadSafetensors(dir.File("missing.safetensors")), DataError);
}

TEST(Safetensors, HeaderParserWorksOnAHeaderOnlyPrefix) {
  const std::string file = Container("{\"a\":" + Entry("BF16", "[2,2]", 0, 8) + "}", std::string(8, '\0'));
  const auto h = ParseSafetensorsHeader(file.data(), file.size() - 8, file.size(), "x");
  ASSERT_EQ(h.tensors.size(), 1u);
  EXPECT_EQ(h.tensors[0].dtype, SafetensorsDtype::kBF16);
  EXPECT_EQ(h.data_size, 8u);
}

TEST(TorchCheckpoint, NonZipFileIsADataError) {
  testing::TempDir dir;
  {
    std::ofstream out(dir.File("pytorch_model.bin"), std::ios::binary);
    out << "not a checkpoint";
  }
  EXPECT_THROW(LoadTorchCheckpoint(dir.File("pytorch_model.bin")), DataError);
  {
    std::ofstream out(dir.File("cut.bin"), std::ios::binary);
    out << "PK\x03\x04garbage";
  }
  EXPECT_THROW(LoadTorchCheckpoint(dir.File("cut.bin")), DataError);
}

}  // namespace
}  // namespace merhan
