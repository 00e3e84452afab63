// Stable 64-bit hashes (xxHash's XXH3, from Debian's libxxhash): the same bytes give
// the same value on every machine and run, unlike std::hash. Used for cache keys and
// checksums.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace merhan {

uint64_t Hash64(const void* data, size_t size, uint64_t seed = 0);
inline uint64_t Hash64(const std::string& s, uint64_t seed = 0) { return Hash64(s.data(), s.size(), seed); }

// Incremental hashing of a stream of pieces (same result as one Hash64 of the
// concatenation with seed 0).
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void Update(const void* data, size_t size);
  void Update(const std::string& s) { Update(s.data(), s.size()); }
  uint64_t Digest() const;

 private:
  void* state_;
};

// Hash of a whole file's content; DataError naming the path if unreadable.
uint64_t HashFile(const std::string& path);

// 16 lowercase hex digits.
std::string HexDigest(uint64_t value);

}  // namespace merhan
