#include "registry/identifiers.h"

#include <cctype>
#include <utility>

namespace signet::registry {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
char Upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

Status Invalid(std::string_view what, std::string_view text, std::string_view why) {
  std::string m(what);
  m.append(" \"").append(text.substr(0, 40)).append("\" ").append(why);
  return Status::InvalidArgument(std::move(m));
}

}  // namespace

Result<std::string> NormalizeIsrc(std::string_view text) {
  constexpr std::string_view kWhat = "ISRC";
  std::string s;
  if (text.size() == 15) {
    if (text[2] != '-' || text[6] != '-' || text[9] != '-') {
      return Invalid(kWhat, text, "must be written CC-XXX-YY-NNNNN or CCXXXYYNNNNN");
    }
    s.append(text.substr(0, 2)).append(text.substr(3, 3)).append(text.substr(7, 2));
    s.append(text.substr(10, 5));
  } else if (text.size() == 12) {
    s = std::string(text);
  } else {
    return Invalid(kWhat, text, "must have 12 characters (CC-XXX-YY-NNNNN, hyphens optional)");
  }
  for (char& c : s) c = Upper(c);
  if (!IsUpper(s[0]) || !IsUpper(s[1])) {
    return Invalid(kWhat, text, "must start with a two-letter country code");
  }
  for (int i = 2; i < 5; ++i) {
    if (!IsUpper(s[i]) && !IsDigit(s[i])) {
      return Invalid(kWhat, text, "has a registrant code that is not 3 letters or digits");
    }
  }
  for (int i = 5; i < 12; ++i) {
    if (!IsDigit(s[i])) {
      return Invalid(kWhat, text, "must end with 2 year digits and a 5-digit designation code");
    }
  }
  return s;
}

Result<std::string> NormalizeIswc(std::string_view text) {
  constexpr std::string_view kWhat = "ISWC";
  std::string digits;
  if (text.size() == 15) {
    if (text[0] != 'T' || text[1] != '-' || text[5] != '.' || text[9] != '.' || text[13] != '-') {
      return Invalid(kWhat, text, "must be written T-DDD.DDD.DDD-C or TDDDDDDDDDC");
    }
    digits.append(text.substr(2, 3)).append(text.substr(6, 3)).append(text.substr(10, 3));
    digits.push_back(text[14]);
  } else if (text.size() == 11) {
    if (text[0] != 'T') return Invalid(kWhat, text, "must start with \"T\"");
    digits = std::string(text.substr(1));
  } else {
    return Invalid(kWhat, text, "must be written T-DDD.DDD.DDD-C or TDDDDDDDDDC");
  }
  for (char c : digits) {
    if (!IsDigit(c)) return Invalid(kWhat, text, "must have 10 digits after the \"T\"");
  }
  // CISAC ISWC check digit: 1 + sum(i * d_i) for i = 1..9, then (10 - sum mod 10) mod 10.
  int sum = 1;
  for (int i = 0; i < 9; ++i) sum += (i + 1) * (digits[i] - '0');
  const int check = (10 - sum % 10) % 10;
  if (check != digits[9] - '0') {
    return Invalid(kWhat, text, "has a wrong check digit (expected " + std::to_string(check) + ")");
  }
  std::string out = "T-";
  out.append(digits, 0, 3).append(".").append(digits, 3, 3).append(".");
  out.append(digits, 6, 3).append("-").append(digits, 9, 1);
  return out;
}

Result<std::string> NormalizeIsni(std::string_view text) {
  constexpr std::string_view kWhat = "ISNI";
  std::string s;
  if (text.size() == 19) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (i % 5 == 4) {
        if (text[i] != ' ') return Invalid(kWhat, text, "must be 4 groups of 4 characters");
      } else {
        s.push_back(text[i]);
      }
    }
  } else if (text.size() == 16) {
    s = std::string(text);
  } else {
    return Invalid(kWhat, text, "must have 16 characters (spaces between groups allowed)");
  }
  for (int i = 0; i < 15; ++i) {
    if (!IsDigit(s[i])) return Invalid(kWhat, text, "must have 15 digits before the check");
  }
  if (s[15] == 'x') s[15] = 'X';
  if (!IsDigit(s[15]) && s[15] != 'X') {
    return Invalid(kWhat, text, "must end with a check character 0-9 or X");
  }
  // ISO 7064 MOD 11-2.
  int total = 0;
  for (int i = 0; i < 15; ++i) total = (total + (s[i] - '0')) * 2 % 11;
  const int check = (12 - total % 11) % 11;
  const char expected = check == 10 ? 'X' : static_cast<char>('0' + check);
  if (s[15] != expected) {
    return Invalid(kWhat, text,
                   std::string("has a wrong check character (expected ") + expected + ")");
  }
  return s;
}

Result<std::string> NormalizeIpiNameNumber(std::string_view text) {
  constexpr std::string_view kWhat = "IPI name number";
  if (text.size() != 11) {
    return Invalid(kWhat, text, "must have exactly 11 digits (pad with leading zeros)");
  }
  for (char c : text) {
    if (!IsDigit(c)) return Invalid(kWhat, text, "must have only digits");
  }
  // Weights 10..2 over the first nine digits; the last two digits are
  // (101 - sum mod 101) mod 100, and 00 when sum mod 101 is 0.
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (text[i] - '0') * (10 - i);
  sum %= 101;
  const int check = sum == 0 ? 0 : (101 - sum) % 100;
  const int given = (text[9] - '0') * 10 + (text[10] - '0');
  if (check != given) {
    std::string why = "has wrong check digits (expected ";
    if (check < 10) why.push_back('0');
    why.append(std::to_string(check)).append(")");
    return Invalid(kWhat, text, why);
  }
  return std::string(text);
}

}  // namespace signet::registry
