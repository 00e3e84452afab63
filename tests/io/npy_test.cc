// .npy reading: what the fuzzer found (docs/fuzzing.md) stays fixed, and a written
// array reads back exactly.
#include "merhan/io/npy.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

// A version 1.0 .npy: magic, version, header padded to 64 bytes, data.
std::string Npy(const std::string& descr, const std::string& shape, const std::string& data, size_t header_pad = 0) {
  std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  h.append(header_pad, ' ');
  h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
  h += "\n";
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>(h.size() >> 8);
  return out + h + data;
}

void ExpectDataError(const std::string& bytes, const std::string& why) {
  try {
    ParseNpyFloat(bytes, "x.npy");
    ADD_FAILURE() << "expected a DataError: " << why;
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("x.npy: " + why), std::string::npos) << e.what();
  }
}

TEST(Npy, WrittenArraysReadBack) {
  testing::TempDir dir;
  const float x[6] = {1, -2, 3.5f, 0, 1e30f, -1e-30f};
  WriteNpyFloat32(dir.File("a.npy"), {2, 3}, x);
  const NpyArray a = ReadNpyFloat(dir.File("a.npy"));
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(a.data.size(), 6u);
  EXPECT_EQ(std::memcmp(a.data.data(), x, sizeof(x)), 0);
}

TEST(Npy, EmptyArraysParse) {
  const NpyArray a = ParseNpyFloat(Npy("<f4", "(0, 4)", ""), "x.npy");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{0, 4}));
  EXPECT_TRUE(a.data.empty());
  // Dimensions whose product overflows int64 before the 0 (fuzz/corpus/npy/regression-zero-after-overflow).
  const NpyArray b = ParseNpyFloat(Npy("<f4", "(4610, 9999999999999998, 1, 0)", ""), "x.npy");
  EXPECT_EQ(b.shape, (std::vector<int64_t>{4610, 9999999999999998, 1, 0}));
  EXPECT_TRUE(b.data.empty());
}

TEST(Npy, ShapesLargerThanTheFileAreDataErrors) {
  ExpectDataError(Npy("<f4", "(4611686018427387904, 4)", std::string(16, '\0')), "truncated .npy data: the .npy shape");
  ExpectDataError(Npy("<f4", "(99999999999999999999999,)", ""), "truncated .npy data: the .npy shape");
  ExpectDataError(Npy("<f8", "(3,)", std::string(16, '\0')), "truncated .npy data: the .npy shape");
  ExpectDataError(Npy("<f4", "(2,)", std::string(4, '\0')), "truncated .npy data: the .npy shape");
}

TEST(Npy, HeadersLongerThanNumPysLimitAreDataErrors) {
  ExpectDataError(Npy("<f4", "(1,)", std::string(4, '\0'), kNpyMaxHeaderBytes), ".npy header of ");
}

}  // namespace
}  // namespace merhan
