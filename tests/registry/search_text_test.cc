// How search reads titles and names (registry/search_text.h).
#include "registry/search_text.h"

#include <gtest/gtest.h>

namespace signet::registry::search {
namespace {

using V = std::vector<std::string>;

TEST(SearchTokens, SplitsOnPunctuationAndFoldsAsciiCase) {
  EXPECT_EQ(Tokens("Loyalists"), V({"loyalists"}));
  EXPECT_EQ(Tokens("  The Wanderer (Live, 2006) - Remix!"),
            V({"the", "wanderer", "live", "2006", "remix"}));
  EXPECT_EQ(Tokens("AC/DC"), V({"ac", "dc"}));
  EXPECT_EQ(Tokens(""), V());
  EXPECT_EQ(Tokens("?!... --"), V());
}

TEST(SearchTokens, DropsApostrophesInsideWords) {
  EXPECT_EQ(Tokens("Don't Stop"), V({"dont", "stop"}));
  EXPECT_EQ(Tokens("Rock \u2019n\u2019 Roll"), V({"rock", "n", "roll"}));
}

TEST(SearchTokens, FoldsLatinDiacriticsAndSpellsOutSpecialLetters) {
  EXPECT_EQ(Tokens("\u00c9l\u00e9gie"), V({"elegie"}));   // Élégie
  EXPECT_EQ(Tokens("\u0141\u00f3d\u017a"), V({"lodz"}));  // Łódź
  EXPECT_EQ(Tokens("Stra\u00dfe \u00c6ther \u0152uvre"), V({"strasse", "aether", "oeuvre"}));
  EXPECT_EQ(Tokens("Bj\u00f6rk Gu\u00f0mundsd\u00f3ttir"), V({"bjork", "gudmundsdottir"}));
  // Decomposed (e + combining acute) reads as composed.
  EXPECT_EQ(Tokens("Ele\u0301gie"), Tokens("\u00c9l\u00e9gie"));
  // x and / are separators in Latin-1 too.
  EXPECT_EQ(Tokens("2\u00d73\u00f74"), V({"2", "3", "4"}));
}

TEST(SearchTokens, FoldsGreekAndCyrillicCaseAndKeepsOtherScripts) {
  EXPECT_EQ(Tokens("\u039c\u03a5\u03a3\u0399\u039a\u0397"),
            Tokens("\u03bc\u03c5\u03c3\u03b9\u03ba\u03b7"));
  EXPECT_EQ(Tokens("\u041a\u0418\u041d\u041e \u0401\u0436"),
            Tokens("\u043a\u0438\u043d\u043e \u0451\u0436"));
  EXPECT_EQ(Tokens("\u6771\u4eac\u3000\u591c\u666f"),
            V({"\u6771\u4eac", "\u591c\u666f"}));  // ideographic space
}

TEST(SearchTokens, CodePointPrefixesNeverCutACharacter) {
  const std::string t = "\u00e9t\u00e9";  // "été": 3 code points, 5 bytes
  EXPECT_EQ(CodePointCount(t), 3u);
  EXPECT_EQ(CodePointPrefix(t, 1), "\u00e9");
  EXPECT_EQ(CodePointPrefix(t, 2), "\u00e9t");
  EXPECT_EQ(CodePointPrefix(t, 9), t);
}

TEST(SearchTokens, InvalidBytesSeparateWithoutBreakingTheRest) {
  EXPECT_EQ(Tokens(std::string("ab\xff"
                               "cd\xc3",
                               6)),
            V({"ab", "cd"}));
}

}  // namespace
}  // namespace signet::registry::search
