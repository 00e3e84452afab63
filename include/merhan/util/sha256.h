// SHA-256 (OpenSSL's libcrypto) of files and strings, and base64 decoding: the
// checksums of exported model directories and the audio of JSON requests.
#pragma once

#include <string>

namespace merhan {

// 64 lowercase hex digits of the SHA-256 of a whole file; DataError naming the
// path when it cannot be read.
std::string Sha256File(const std::string& path);
std::string Sha256(const std::string& bytes);

// Standard base64 (RFC 4648, padding required, whitespace not allowed).
// Throws DataError("<what>: not valid base64") otherwise.
std::string DecodeBase64(const std::string& text, const std::string& what);

}  // namespace merhan
