#include "registry/search_text.h"

#include <array>
#include <cstdint>

namespace signet::registry::search {
namespace {

// Latin-1 Supplement and Latin Extended-A letters, folded: each range of code
// points reads as `ascii`. The rest of U+00C0-U+017F is separators (× ÷).
struct Fold {
  char32_t first, last;
  const char* ascii;
};
constexpr std::array<Fold, 48> kLatinFolds = {{
    {0xC0, 0xC5, "a"},   {0xC6, 0xC6, "ae"},   {0xC7, 0xC7, "c"},   {0xC8, 0xCB, "e"},
    {0xCC, 0xCF, "i"},   {0xD0, 0xD0, "d"},    {0xD1, 0xD1, "n"},   {0xD2, 0xD6, "o"},
    {0xD8, 0xD8, "o"},   {0xD9, 0xDC, "u"},    {0xDD, 0xDD, "y"},   {0xDE, 0xDE, "th"},
    {0xDF, 0xDF, "ss"},  {0xE0, 0xE5, "a"},    {0xE6, 0xE6, "ae"},  {0xE7, 0xE7, "c"},
    {0xE8, 0xEB, "e"},   {0xEC, 0xEF, "i"},    {0xF0, 0xF0, "d"},   {0xF1, 0xF1, "n"},
    {0xF2, 0xF6, "o"},   {0xF8, 0xF8, "o"},    {0xF9, 0xFC, "u"},   {0xFD, 0xFD, "y"},
    {0xFE, 0xFE, "th"},  {0xFF, 0xFF, "y"},    {0x100, 0x105, "a"}, {0x106, 0x10D, "c"},
    {0x10E, 0x111, "d"}, {0x112, 0x11B, "e"},  {0x11C, 0x123, "g"}, {0x124, 0x127, "h"},
    {0x128, 0x131, "i"}, {0x132, 0x133, "ij"}, {0x134, 0x135, "j"}, {0x136, 0x138, "k"},
    {0x139, 0x142, "l"}, {0x143, 0x14B, "n"},  {0x14C, 0x151, "o"}, {0x152, 0x153, "oe"},
    {0x154, 0x159, "r"}, {0x15A, 0x161, "s"},  {0x162, 0x167, "t"}, {0x168, 0x173, "u"},
    {0x174, 0x175, "w"}, {0x176, 0x178, "y"},  {0x179, 0x17E, "z"}, {0x17F, 0x17F, "s"},
}};

// Decodes one code point at text[i]; advances i. Invalid bytes read as
// U+FFFD and advance by one.
char32_t NextCodePoint(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  int len = 0;
  char32_t cp = 0;
  if (b0 < 0x80) {
    ++i;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + len > text.size()) {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    const unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

enum class Kind { kSeparator, kDropped, kLetter };

bool IsSeparator(char32_t cp) {
  if (cp < 0x80) {
    const bool alnum =
        (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    return !alnum;
  }
  return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||  // Latin-1 symbols
         (cp >= 0x2000 && cp <= 0x206F) ||                          // general punctuation
         (cp >= 0x2190 && cp <= 0x2BFF) ||                          // arrows, symbols
         (cp >= 0x3000 && cp <= 0x303F) ||                          // CJK punctuation
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF01 && cp <= 0xFF0F) || cp == 0xFFFD;
}

// Appends the folded form of `cp` to `token`; the kind says what it was.
Kind FoldInto(char32_t cp, std::string& token) {
  if (cp == '\'' || cp == 0x2019) return Kind::kDropped;
  if (cp >= 0x300 && cp <= 0x36F) return Kind::kDropped;  // combining marks
  if (IsSeparator(cp)) return Kind::kSeparator;
  if (cp < 0x80) {
    token.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp));
    return Kind::kLetter;
  }
  if (cp >= 0xC0 && cp <= 0x17F) {
    for (const Fold& f : kLatinFolds) {
      if (cp >= f.first && cp <= f.last) {
        token.append(f.ascii);
        return Kind::kLetter;
      }
    }
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) cp += 0x20;  // Greek capitals
  if (cp >= 0x410 && cp <= 0x42F) cp += 0x20;                 // Cyrillic capitals
  if (cp >= 0x400 && cp <= 0x40F) cp += 0x50;                 // Cyrillic Ѐ-Џ
  AppendUtf8(token, cp);
  return Kind::kLetter;
}

}  // namespace

std::vector<std::string> Tokens(std::string_view text) {
  std::vector<std::string> out;
  std::string token;
  std::size_t i = 0;
  while (i < text.size()) {
    if (FoldInto(NextCodePoint(text, i), token) == Kind::kSeparator && !token.empty()) {
      out.push_back(std::move(token));
      token.clear();
    }
  }
  if (!token.empty()) out.push_back(std::move(token));
  return out;
}

std::string_view CodePointPrefix(std::string_view token, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t k = 0; k < n && i < token.size(); ++k) NextCodePoint(token, i);
  return token.substr(0, i);
}

std::size_t CodePointCount(std::string_view token) {
  std::size_t i = 0, n = 0;
  while (i < token.size()) {
    NextCodePoint(token, i);
    ++n;
  }
  return n;
}

}  // namespace signet::registry::search
