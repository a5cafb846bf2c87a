// Terms resolution, verdicts and exports (registry/terms.h).
#include "registry/terms.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <map>

namespace signet::registry {
namespace {

using ::testing::HasSubstr;

Terms Make(std::initializer_list<std::pair<Purpose, Permission>> entries) {
  Terms t;
  for (auto [p, v] : entries) t.at(p) = PurposeTerms{v, {}};
  return t;
}

Permission Value(const EffectiveTerms& e, Purpose p) {
  EXPECT_TRUE(e.at(p).terms.has_value()) << PurposeKey(p);
  return e.at(p).terms ? e.at(p).terms->value : Permission::kAllowed;
}

TEST(TermsTest, ChildInheritsFromParent) {
  Terms t = Make({{Purpose::kDataMining, Permission::kNotAllowed}});
  EffectiveTerms e = ResolveTerms(&t, nullptr);
  EXPECT_EQ(Value(e, Purpose::kAiTraining), Permission::kNotAllowed);
  EXPECT_EQ(Value(e, Purpose::kAiGenerativeTraining), Permission::kNotAllowed);
  EXPECT_EQ(e.at(Purpose::kAiGenerativeTraining).decided_by, Purpose::kDataMining);
  EXPECT_EQ(e.at(Purpose::kAiGenerativeTraining).source, TermsSource::kWork);
  // search and inference are not kinds of data mining here.
  EXPECT_FALSE(e.at(Purpose::kSearch).terms.has_value());
  EXPECT_FALSE(e.at(Purpose::kAiInference).terms.has_value());
}

TEST(TermsTest, NotAllowedWinsOverAllowedChild) {
  Terms t = Make({{Purpose::kAiTraining, Permission::kNotAllowed},
                  {Purpose::kAiGenerativeTraining, Permission::kAllowed}});
  EffectiveTerms e = ResolveTerms(&t, nullptr);
  EXPECT_EQ(Value(e, Purpose::kAiGenerativeTraining), Permission::kNotAllowed);
  // The narrower prohibition does not spread upwards.
  Terms narrow = Make({{Purpose::kDataMining, Permission::kAllowed},
                       {Purpose::kAiGenerativeTraining, Permission::kNotAllowed}});
  EffectiveTerms n = ResolveTerms(&narrow, nullptr);
  EXPECT_EQ(Value(n, Purpose::kAiGenerativeTraining), Permission::kNotAllowed);
  EXPECT_EQ(Value(n, Purpose::kAiTraining), Permission::kAllowed);
}

TEST(TermsTest, CatalogueDefaultFillsUnsetChains) {
  Terms work = Make({{Purpose::kSearch, Permission::kAllowed}});
  Terms def = Make({{Purpose::kAiTraining, Permission::kNotAllowed},
                    {Purpose::kSearch, Permission::kNotAllowed}});
  EffectiveTerms e = ResolveTerms(&work, &def);
  EXPECT_EQ(Value(e, Purpose::kSearch), Permission::kAllowed);  // work wins where it speaks
  EXPECT_EQ(e.at(Purpose::kSearch).source, TermsSource::kWork);
  EXPECT_EQ(Value(e, Purpose::kAiGenerativeTraining), Permission::kNotAllowed);
  EXPECT_EQ(e.at(Purpose::kAiGenerativeTraining).source, TermsSource::kArtistDefault);
  EXPECT_FALSE(e.at(Purpose::kDataMining).terms.has_value());

  EffectiveTerms none = ResolveTerms(nullptr, nullptr);
  for (Purpose p : kAllPurposes) EXPECT_FALSE(none.at(p).terms.has_value());
}

TEST(TermsTest, ConstrainedNeedsANamedLicence) {
  Terms t;
  t.at(Purpose::kAiTraining) =
      PurposeTerms{Permission::kConstrained, {{"https://example.org/licence/1"}, "", ""}};
  EffectiveTerms e = ResolveTerms(&t, nullptr);
  const std::vector<std::string> none;
  const std::vector<std::string> wrong = {"https://example.org/licence/2"};
  const std::vector<std::string> right = {"https://example.org/licence/2",
                                          "https://example.org/licence/1"};
  EXPECT_EQ(DecideVerdict(e, Purpose::kAiGenerativeTraining, none, false).verdict,
            Verdict::kConstrained);
  EXPECT_EQ(DecideVerdict(e, Purpose::kAiGenerativeTraining, wrong, false).verdict,
            Verdict::kConstrained);
  EXPECT_EQ(DecideVerdict(e, Purpose::kAiGenerativeTraining, right, false).verdict,
            Verdict::kAllowed);
  EXPECT_THAT(DecideVerdict(e, Purpose::kAiTraining, none, false).reason,
              HasSubstr("https://example.org/licence/1"));
}

TEST(TermsTest, VerdictPrecedence) {
  Terms no = Make({{Purpose::kDataMining, Permission::kNotAllowed}});
  Terms yes = Make({{Purpose::kDataMining, Permission::kAllowed}});
  EffectiveTerms en = ResolveTerms(&no, nullptr);
  EffectiveTerms ey = ResolveTerms(&yes, nullptr);
  const std::vector<std::string> lic;
  EXPECT_EQ(DecideVerdict(en, Purpose::kAiTraining, lic, true).verdict, Verdict::kNotAllowed);
  EXPECT_EQ(DecideVerdict(ey, Purpose::kAiTraining, lic, true).verdict, Verdict::kDisputed);
  EXPECT_EQ(DecideVerdict(ey, Purpose::kAiTraining, lic, false).verdict, Verdict::kAllowed);
  EffectiveTerms unset = ResolveTerms(nullptr, nullptr);
  VerdictResult u = DecideVerdict(unset, Purpose::kAiTraining, lic, false);
  EXPECT_EQ(u.verdict, Verdict::kAllowed);
  EXPECT_THAT(u.reason, HasSubstr("no terms"));

  std::vector<VerdictResult> mixed = {
      {Verdict::kAllowed, "a"}, {Verdict::kDisputed, "d"}, {Verdict::kConstrained, "c"}};
  EXPECT_EQ(CombineVerdicts(mixed).verdict, Verdict::kDisputed);
  mixed.push_back({Verdict::kNotAllowed, "n"});
  EXPECT_EQ(CombineVerdicts(mixed).verdict, Verdict::kNotAllowed);
  EXPECT_EQ(CombineVerdicts({}).verdict, Verdict::kUnregistered);
}

ExportContext Context() {
  ExportContext c;
  c.location = "/music/song.flac";
  c.work_url = "https://registry.example/v1/works/wk_1";
  c.policy_url = "https://registry.example/v1/works/wk_1/terms/export?format=tdm-policy";
  c.artist_url = "https://registry.example/v1/artists/ar_1";
  c.artist_name = "Alice";
  return c;
}

std::string Export(const Terms& t, ExportFormat f) {
  return ExportTerms(ResolveTerms(&t, nullptr), f, Context()).value_or("<none>");
}

// W3C TDMRep final report, "TDM File on the Origin Server": the spec's own
// example rules have exactly these members and types.
TEST(TermsExportTest, TdmRepRuleHasTheShapeOfTheSpecsExamples) {
  Terms t;
  t.at(Purpose::kAiTraining) =
      PurposeTerms{Permission::kConstrained, {{"https://example.org/l"}, "", ""}};
  EXPECT_EQ(
      Export(t, ExportFormat::kTdmRep),
      R"([{"location":"/music/song.flac","tdm-reservation":1,)"
      R"("tdm-policy":"https://registry.example/v1/works/wk_1/terms/export?format=tdm-policy"}])");

  // Nothing reserved: 0, and no policy (agents SHOULD NOT process one then).
  EXPECT_EQ(Export(Make({{Purpose::kDataMining, Permission::kAllowed}}), ExportFormat::kTdmRep),
            R"([{"location":"/music/song.flac","tdm-reservation":0}])");
  EXPECT_EQ(Export(Terms{}, ExportFormat::kTdmRep),
            R"([{"location":"/music/song.flac","tdm-reservation":0}])");
  // Everything reserved, nothing to license: the spec's "no way to acquire a
  // TDM License" example (no tdm-policy).
  EXPECT_EQ(Export(Make({{Purpose::kDataMining, Permission::kNotAllowed}}), ExportFormat::kTdmRep),
            R"([{"location":"/music/song.flac","tdm-reservation":1}])");
  EXPECT_EQ(
      Export(Make({{Purpose::kDataMining, Permission::kNotAllowed}}), ExportFormat::kTdmPolicy),
      "<none>");
}

TEST(TermsExportTest, GenerativeOnlyReservationIsReservedWithAPolicyFreeingTheRest) {
  // 0 would free generative training; 1 alone would reserve all mining. The
  // rule says 1 (never weaker) and its policy offers the rest.
  Terms t = Make({{Purpose::kAiGenerativeTraining, Permission::kNotAllowed}});
  auto rule = boost::json::parse(Export(t, ExportFormat::kTdmRep)).as_array().at(0).as_object();
  EXPECT_EQ(rule.at("tdm-reservation").as_int64(), 1);
  ASSERT_TRUE(rule.contains("tdm-policy"));
  // The spec's "Specification of the TDM Policy": @context, Offer, profile,
  // uid, one assigner with vCard members, permission with action tdm:mine.
  auto policy = boost::json::parse(Export(t, ExportFormat::kTdmPolicy)).as_object();
  EXPECT_EQ(boost::json::serialize(policy.at("@context")),
            R"(["http://www.w3.org/ns/odrl.jsonld","http://www.w3.org/ns/tdmrep.jsonld"])");
  EXPECT_EQ(policy.at("@type").as_string(), "Offer");
  EXPECT_EQ(policy.at("profile").as_string(), "http://www.w3.org/ns/tdmrep");
  EXPECT_EQ(policy.at("uid").as_string(), rule.at("tdm-policy").as_string());
  EXPECT_EQ(boost::json::serialize(policy.at("assigner")),
            R"({"uid":"https://registry.example/v1/artists/ar_1","vcard:fn":"Alice"})");
  EXPECT_EQ(boost::json::serialize(policy.at("permission")),
            R"([{"target":"https://registry.example/v1/works/wk_1","action":"tdm:mine",)"
            R"("constraint":[{"leftOperand":"purpose","operator":"isNoneOf",)"
            R"("rightOperand":["cawg.ai_generative_training"]}]}])");
  EXPECT_FALSE(policy.contains("prohibition"));  // TDMRep: SHOULD NOT
}

TEST(TermsExportTest, ConstrainedMiningIsAnOfferWithObtainConsentAndTheArtistsContact) {
  Terms t;
  t.at(Purpose::kDataMining) = PurposeTerms{
      Permission::kConstrained, {{"https://label.example/tdm"}, "mailto:rights@label.example", ""}};
  t.at(Purpose::kAiGenerativeTraining) = PurposeTerms{Permission::kNotAllowed, {}};
  auto policy = boost::json::parse(Export(t, ExportFormat::kTdmPolicy)).as_object();
  EXPECT_EQ(boost::json::serialize(policy.at("assigner")),
            R"({"uid":"https://registry.example/v1/artists/ar_1","vcard:fn":"Alice",)"
            R"("vcard:hasEmail":"mailto:rights@label.example",)"
            R"("vcard:hasURL":"https://label.example/tdm"})");
  // As the spec's "duty to contact the rightsholder" example, minus what is
  // not allowed at all.
  EXPECT_EQ(boost::json::serialize(policy.at("permission")),
            R"([{"target":"https://registry.example/v1/works/wk_1","action":"tdm:mine",)"
            R"("constraint":[{"leftOperand":"purpose","operator":"isNoneOf",)"
            R"("rightOperand":["cawg.ai_generative_training"]}],)"
            R"("duty":[{"action":"obtainConsent"}]}])");
}

TEST(TermsExportTest, TdmLocationMustBeAPathPattern) {
  EXPECT_TRUE(CheckTdmLocation("/").ok());
  EXPECT_TRUE(CheckTdmLocation("/directory-b/images/*.jpg").ok());
  EXPECT_TRUE(CheckTdmLocation("/this/path/exactly$").ok());
  EXPECT_FALSE(CheckTdmLocation("").ok());
  EXPECT_FALSE(CheckTdmLocation("music/*").ok());
  EXPECT_FALSE(CheckTdmLocation("/a b").ok());
  EXPECT_FALSE(CheckTdmLocation("/caf\xc3\xa9").ok());
  EXPECT_FALSE(CheckTdmLocation("/" + std::string(1024, 'a')).ok());
}

// CAWG training-mining 1.1: the spec's example has exactly this shape
// (entries keyed cawg.*, "use", "constraint_info" text on constrained).
TEST(TermsExportTest, CawgMatchesTheSpecsExampleShape) {
  Terms t = Make({{Purpose::kAiTraining, Permission::kAllowed},
                  {Purpose::kAiGenerativeTraining, Permission::kNotAllowed}});
  t.at(Purpose::kDataMining) =
      PurposeTerms{Permission::kConstrained, {{}, "", "may only be mined on days ending in y"}};
  t.at(Purpose::kDataMining)->constraint_info.contact = "mailto:rights@example.org";
  auto v = boost::json::parse(Export(t, ExportFormat::kCawg));
  EXPECT_EQ(v.at("label").as_string(), "cawg.training-mining");
  // notAllowed wins: ai_training resolves to data_mining's constrained.
  EXPECT_EQ(
      boost::json::serialize(v.at("data")),
      R"({"entries":{"cawg.ai_generative_training":{"use":"notAllowed"},)"
      R"("cawg.ai_training":{"use":"constrained","constraint_info":)"
      R"("contact: mailto:rights@example.org; conditions: may only be mined on days ending in y"},)"
      R"("cawg.data_mining":{"use":"constrained","constraint_info":)"
      R"("contact: mailto:rights@example.org; conditions: may only be mined on days ending in y"}}})");
}

TEST(TermsExportTest, CawgWithNoTermsStillHasEntriesGrantingNothing) {
  for (const Terms& t : {Terms{}, Make({{Purpose::kSearch, Permission::kAllowed}})}) {
    auto v = boost::json::parse(Export(t, ExportFormat::kCawg));
    const auto& entries = v.at("data").at("entries").as_object();
    ASSERT_EQ(entries.size(), 4u);  // the spec: one or more
    for (const auto& [key, entry] : entries) {
      EXPECT_TRUE(std::string_view(key).starts_with("cawg.")) << key;
      EXPECT_EQ(entry.at("use").as_string(), "constrained");
      EXPECT_FALSE(entry.at("constraint_info").as_string().empty());
    }
  }
}

std::string PlusValue(const Terms& t) {
  auto v = boost::json::parse(Export(t, ExportFormat::kPlus)).as_object();
  std::string uri(v.at("plus:DataMining").as_string());
  const std::string prefix = "http://ns.useplus.org/ldf/vocab/";
  EXPECT_TRUE(uri.starts_with(prefix)) << uri;
  std::string code = uri.substr(prefix.size());
  // plus:OtherConstraints exactly when the value says "see constraint".
  EXPECT_EQ(v.contains("plus:OtherConstraints"), code == "DMI-PROHIBITED-SEECONSTRAINT") << code;
  return code;
}

TEST(TermsExportTest, PlusUsesTheExactDmiValueWhenOneSaysTheWholeTerms) {
  EXPECT_EQ(PlusValue(Make({{Purpose::kAiGenerativeTraining, Permission::kNotAllowed}})),
            "DMI-PROHIBITED-GENAIMLTRAINING");
  EXPECT_EQ(PlusValue(Make({{Purpose::kAiTraining, Permission::kNotAllowed}})),
            "DMI-PROHIBITED-AIMLTRAINING");
  EXPECT_EQ(PlusValue(Make({{Purpose::kDataMining, Permission::kNotAllowed}})), "DMI-PROHIBITED");
  EXPECT_EQ(PlusValue(Make({{Purpose::kDataMining, Permission::kNotAllowed},
                            {Purpose::kSearch, Permission::kAllowed}})),
            "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING");
  EXPECT_EQ(PlusValue(Make({{Purpose::kDataMining, Permission::kAllowed}})), "DMI-ALLOWED");
  EXPECT_EQ(PlusValue(Terms{}), "DMI-UNSPECIFIED");
}

TEST(TermsExportTest, PlusSaysSeeConstraintWithTheTextForWhatNoDmiValueSays) {
  Terms t;
  t.at(Purpose::kAiTraining) = PurposeTerms{
      Permission::kConstrained, {{"https://label.example/ai"}, "mailto:l@label.example", ""}};
  EXPECT_EQ(PlusValue(t), "DMI-PROHIBITED-SEECONSTRAINT");
  EXPECT_EQ(boost::json::parse(Export(t, ExportFormat::kPlus)).at("plus:OtherConstraints"),
            "ai_generative_training: constrained (licence: https://label.example/ai; contact: "
            "mailto:l@label.example); ai_training: constrained (licence: "
            "https://label.example/ai; contact: mailto:l@label.example)");
  // No search indexing: no narrower DMI value says it; "unspecified" would lose it.
  Terms no_search = Make({{Purpose::kSearch, Permission::kNotAllowed}});
  EXPECT_EQ(PlusValue(no_search), "DMI-PROHIBITED-SEECONSTRAINT");
  EXPECT_EQ(boost::json::parse(Export(no_search, ExportFormat::kPlus)).at("plus:OtherConstraints"),
            "search: notAllowed");
  EXPECT_EQ(PlusValue(Make({{Purpose::kAiTraining, Permission::kNotAllowed},
                            {Purpose::kAiInference, Permission::kNotAllowed}})),
            "DMI-PROHIBITED-SEECONSTRAINT");
}

// RFC 9651 Dictionary parsing and draft-ietf-aipref-vocab-08's processing
// algorithm ("Processing Algorithm"), for reading exports as a crawler
// would. Values other than Tokens (strings, booleans, integers) parse but
// give "unknown"; anything else fails the parse, and then every preference
// is unknown.
enum class Pref { kUnknown, kAllow, kDisallow };
struct Preferences {
  Pref train_ai = Pref::kUnknown;
  Pref search = Pref::kUnknown;
};

Preferences ProcessAipref(std::string_view in) {
  std::map<std::string, std::string, std::less<>> dict;  // key -> token value ("" if not a token)
  std::size_t i = 0;
  auto lc = [](char c) { return c >= 'a' && c <= 'z'; };
  auto key_char = [&](char c) {
    return lc(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '*';
  };
  auto token_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~:/").find(c) != std::string_view::npos;
  };
  auto parse_key = [&]() -> std::optional<std::string> {
    if (i >= in.size() || !(lc(in[i]) || in[i] == '*')) return std::nullopt;
    std::size_t start = i;
    while (i < in.size() && key_char(in[i])) ++i;
    return std::string(in.substr(start, i - start));
  };
  // A bare item; returns the token's text, "" for another type, nullopt on error.
  auto parse_bare = [&]() -> std::optional<std::string> {
    if (i >= in.size()) return std::nullopt;
    char c = in[i];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '*') {
      std::size_t start = i;
      while (i < in.size() && token_char(in[i])) ++i;
      return std::string(in.substr(start, i - start));
    }
    if (c == '?') {
      if (i + 1 >= in.size() || (in[i + 1] != '0' && in[i + 1] != '1')) return std::nullopt;
      i += 2;
      return "";
    }
    if (c == '"') {
      for (++i; i < in.size(); ++i) {
        if (in[i] == '\\') {
          ++i;
        } else if (in[i] == '"') {
          ++i;
          return "";
        }
      }
      return std::nullopt;
    }
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      ++i;
      while (i < in.size() && std::isdigit(static_cast<unsigned char>(in[i]))) ++i;
      return "";
    }
    return std::nullopt;
  };
  auto parse_params = [&]() -> bool {
    while (i < in.size() && in[i] == ';') {
      ++i;
      while (i < in.size() && in[i] == ' ') ++i;
      if (!parse_key()) return false;
      if (i < in.size() && in[i] == '=') {
        ++i;
        if (!parse_bare()) return false;
      }
    }
    return true;
  };
  while (i < in.size()) {
    auto key = parse_key();
    if (!key) return {};
    std::string value = "";  // a bare key is Boolean true, not a token
    if (i < in.size() && in[i] == '=') {
      ++i;
      auto v = parse_bare();
      if (!v) return {};
      value = *v;
    }
    if (!parse_params()) return {};
    dict[*key] = value;  // the last value of a repeated key applies
    while (i < in.size() && (in[i] == ' ' || in[i] == '\t')) ++i;
    if (i == in.size()) break;
    if (in[i] != ',') return {};
    ++i;
    while (i < in.size() && (in[i] == ' ' || in[i] == '\t')) ++i;
    if (i == in.size()) return {};  // trailing comma
  }
  auto pref = [&](std::string_view label) {
    auto it = dict.find(label);
    if (it == dict.end()) return Pref::kUnknown;
    return it->second == "y" ? Pref::kAllow : it->second == "n" ? Pref::kDisallow : Pref::kUnknown;
  };
  return {pref("train-ai"), pref("search")};
}

TEST(TermsExportTest, AiprefReaderAgreesWithTheDraftsOwnExamples) {
  Preferences p = ProcessAipref("train-ai=y, search=n");
  EXPECT_EQ(p.train_ai, Pref::kAllow);
  EXPECT_EQ(p.search, Pref::kDisallow);
  p = ProcessAipref(R"(train-ai=y, train-ai, search=n, search="n")");
  EXPECT_EQ(p.train_ai, Pref::kUnknown);
  EXPECT_EQ(p.search, Pref::kUnknown);
  EXPECT_EQ(ProcessAipref("train-ai;allow=n, train-ai=y").train_ai, Pref::kAllow);
  EXPECT_EQ(ProcessAipref(R"(train-ai;has;parameters="?")").train_ai, Pref::kUnknown);
  EXPECT_EQ(ProcessAipref("Train-AI=n").train_ai, Pref::kUnknown);  // uppercase: parse fails
  // The labels Signet used to emit (drafts -02/-03) are unknown and ignored.
  EXPECT_EQ(ProcessAipref("train-genai=n").train_ai, Pref::kUnknown);
}

TEST(TermsExportTest, AiprefSpeaksOnlyTheDraftsLabelsAndMatchesItsExample) {
  // The draft's example, from the terms that say it.
  EXPECT_EQ(Export(Make({{Purpose::kAiGenerativeTraining, Permission::kAllowed},
                         {Purpose::kSearch, Permission::kNotAllowed}}),
                   ExportFormat::kAipref),
            "train-ai=y, search=n");
  EXPECT_EQ(Export(Make({{Purpose::kAiGenerativeTraining, Permission::kNotAllowed}}),
                   ExportFormat::kAipref),
            "train-ai=n");
  EXPECT_EQ(Export(Make({{Purpose::kAiTraining, Permission::kAllowed},
                         {Purpose::kAiGenerativeTraining, Permission::kNotAllowed}}),
                   ExportFormat::kAipref),
            "train-ai=n");
  EXPECT_EQ(Export(Make({{Purpose::kDataMining, Permission::kAllowed},
                         {Purpose::kSearch, Permission::kAllowed}}),
                   ExportFormat::kAipref),
            "train-ai=y, search=y");
  // search=y would also allow training search models: not while training is reserved.
  EXPECT_EQ(Export(Make({{Purpose::kDataMining, Permission::kNotAllowed},
                         {Purpose::kSearch, Permission::kAllowed}}),
                   ExportFormat::kAipref),
            "train-ai=n");
  EXPECT_EQ(Export(Make({{Purpose::kAiInference, Permission::kNotAllowed}}), ExportFormat::kAipref),
            "");
  EXPECT_EQ(Export(Terms{}, ExportFormat::kAipref), "");
}

TEST(TermsExportTest, AiprefNeverWeakensAReservation) {
  // Every combination of values over the mining chain and search, read back
  // by the draft's algorithm: a reservation of any training purpose is never
  // read as allowed, and a denial of search is never lost.
  const std::optional<Permission> kValues[] = {std::nullopt, Permission::kAllowed,
                                               Permission::kNotAllowed, Permission::kConstrained};
  int cases = 0;
  for (auto dm : kValues) {
    for (auto ai : kValues) {
      for (auto gen : kValues) {
        for (auto search : kValues) {
          Terms t;
          auto set = [&](Purpose p, std::optional<Permission> v) {
            if (v) t.at(p) = PurposeTerms{*v, {{"https://l.example"}, "", ""}};
          };
          set(Purpose::kDataMining, dm);
          set(Purpose::kAiTraining, ai);
          set(Purpose::kAiGenerativeTraining, gen);
          set(Purpose::kSearch, search);
          std::string out = Export(t, ExportFormat::kAipref);
          Preferences p = ProcessAipref(out);
          auto reserved = [](std::optional<Permission> v) {
            return v && *v != Permission::kAllowed;
          };
          if (reserved(dm) || reserved(ai) || reserved(gen)) {
            EXPECT_NE(p.train_ai, Pref::kAllow) << out;
            EXPECT_NE(p.search, Pref::kAllow) << out;
          }
          if (reserved(search)) {
            EXPECT_EQ(p.search, Pref::kDisallow) << out;
          }
          if (gen == Permission::kNotAllowed || ai == Permission::kNotAllowed ||
              dm == Permission::kNotAllowed) {
            EXPECT_EQ(p.train_ai, Pref::kDisallow) << out;
          }
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 256);
}

TEST(TermsTest, Names) {
  for (Purpose p : kAllPurposes) EXPECT_EQ(ParsePurpose(PurposeKey(p)), p);
  EXPECT_FALSE(ParsePurpose("training").has_value());
  EXPECT_EQ(ParsePermission("notAllowed"), Permission::kNotAllowed);
  EXPECT_FALSE(ParsePermission("notallowed").has_value());
  EXPECT_EQ(ParseExportFormat("aipref"), ExportFormat::kAipref);
  EXPECT_FALSE(ParseExportFormat("xml").has_value());
}

}  // namespace
}  // namespace signet::registry
