// SHA-256 and base64 against the published test vectors (FIPS 180-2 appendix B,
// RFC 4648 section 10), which Python's hashlib and base64 reproduce.
#include <gtest/gtest.h>

#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/sha256.h"
#include "test_util.h"

namespace merhan {
namespace {

TEST(Sha256, MatchesTheFipsTestVectors) {
  EXPECT_EQ(Sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, OfAFileEqualsOfItsBytesAndNamesAMissingFile) {
  testing::TempDir dir;
  std::string big(3 << 20, 'x');  // several read buffers
  big[12345] = 'y';
  WriteStringAtomically(dir.File("f"), big);
  EXPECT_EQ(Sha256File(dir.File("f")), Sha256(big));
  try {
    Sha256File(dir.File("missing"));
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos);
  }
}

TEST(Base64, DecodesTheRfcVectorsAndRefusesGarbage) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"Zg==", "f"},
                                                         {"Zm8=", "fo"},
                                                         {"Zm9v", "foo"},
                                                         {"Zm9vYg==", "foob"},
                                                         {"Zm9vYmE=", "fooba"},
                                                         {"Zm9vYmFy", "foobar"}};
  for (const auto& [in, out] : vectors) EXPECT_EQ(DecodeBase64(in, "x"), out) << in;
  EXPECT_EQ(DecodeBase64("AAEC/w==", "x"), std::string("\x00\x01\x02\xff", 4));
  EXPECT_THROW(DecodeBase64("Zm9", "x"), DataError);
  EXPECT_THROW(DecodeBase64("Zm9v!!!!", "x"), DataError);
  try {
    DecodeBase64("@@@@", "items[2].audio");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("items[2].audio"), std::string::npos);
  }
}

}  // namespace
}  // namespace merhan
