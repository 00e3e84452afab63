// Values read from input files, made fit to quote in an error message.
#pragma once

#include <string>

namespace merhan {

// `value` with its control characters written as \xNN, so that a NUL or a newline
// inside it neither cuts the message short (what() is a C string) nor breaks its line.
inline std::string Printable(const std::string& value) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out += c;
    } else {
      out += {'\\', 'x', kHex[byte >> 4], kHex[byte & 15]};
    }
  }
  return out;
}

}  // namespace merhan
