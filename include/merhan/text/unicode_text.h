// UTF-8 decoding and the Unicode character classes the tokenizers need, on top of
// utf8proc (categories, canonical decomposition, case mapping): no hand-made tables.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace merhan::unicode {

// Decodes the code point at text[*pos] and advances *pos. Invalid or truncated
// UTF-8 yields U+FFFD for one byte (as Python's errors="replace" does per byte run).
char32_t NextCodePoint(std::string_view text, size_t* pos);
void AppendUtf8(char32_t c, std::string* out);
size_t CountCodePoints(std::string_view text);

// HF BertNormalizer classes (tokenizers' normalizers/bert.rs):
// control = Cc/Cf/Cs/Co except \t \n \r (unassigned Cn is *not* control there).
bool IsControl(char32_t c);
// Unicode White_Space: the Z* categories plus \t..\r and U+0085.
bool IsWhitespace(char32_t c);
// ASCII punctuation (incl. $+<=>^`| which are symbols in Unicode) or any P* category.
bool IsPunctuation(char32_t c);
// The CJK ideograph blocks BERT spaces out (the ranges are BERT's definition, not a
// Unicode property).
bool IsCjkIdeograph(char32_t c);
bool IsNonspacingMark(char32_t c);

// Appends the canonical decomposition (NFD) of c, without nonspacing marks.
void AppendStrippedAccents(char32_t c, std::u32string* out);
// Full lowercase mapping (Rust char::to_lowercase): simple mapping plus the one
// unconditional multi-character case, U+0130 -> "i\u0307".
void AppendLowercase(char32_t c, std::u32string* out);

}  // namespace merhan::unicode
