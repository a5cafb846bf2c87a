// How the registry's search reads a title or a name: the normalised tokens
// that registry/search_index.h indexes and that queries are matched with.
//
//   - Letters and digits make tokens; everything else separates them, except
//     apostrophes (' and U+2019), which are dropped ("Don't" -> "dont").
//   - Case is folded for ASCII, Latin-1, Latin Extended-A, Greek and
//     Cyrillic; Latin letters lose their diacritics ("Ég" -> "eg", "Łódź" ->
//     "lodz"), ligatures and special letters are spelt out (ß ss, æ ae,
//     œ oe, þ th, ĳ ij); combining marks (U+0300-U+036F) are dropped, so
//     decomposed input reads as composed input does.
//   - Other characters (CJK, Arabic, ...) are kept as they are; scripts
//     without spaces between words give one token per run, found by its
//     beginning.
// A query token matches a title token it is a prefix of ("loyal" matches
// "loyalists"; one letter matches only itself, search_index.h). Changing these rules changes what
// is stored: bump search::kIndexVersion (search_index.h) so that existing data directories are
// re-indexed at open.
//
// Thread safety: pure functions. REQUIRES: valid UTF-8 (statements are
// validated before they are indexed; invalid bytes in a query are dropped).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace signet::registry::search {

// The normalised tokens of `text`, in order, duplicates kept.
std::vector<std::string> Tokens(std::string_view text);

// The first `n` code points of a token (tokens are valid UTF-8).
std::string_view CodePointPrefix(std::string_view token, std::size_t n);
// The number of code points of a token.
std::size_t CodePointCount(std::string_view token);

}  // namespace signet::registry::search
