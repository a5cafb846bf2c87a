// Terms resolution, verdicts and exports (registry/terms.h).
#include "registry/terms.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

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

TEST(TermsExportTest, TdmRep) {
  Terms t;
  t.at(Purpose::kAiTraining) =
      PurposeTerms{Permission::kConstrained, {{"https://example.org/l"}, "", ""}};
  EffectiveTerms e = ResolveTerms(&t, nullptr);
  auto v = boost::json::parse(ExportTerms(e, ExportFormat::kTdmRep, "/v1/works/wk_1"));
  const auto& rule = v.as_array().at(0).as_object();
  EXPECT_EQ(rule.at("location").as_string(), "/v1/works/wk_1");
  EXPECT_EQ(rule.at("tdm-reservation").as_int64(), 1);
  EXPECT_EQ(rule.at("tdm-policy").as_string(), "https://example.org/l");

  Terms open = Make({{Purpose::kDataMining, Permission::kAllowed}});
  EffectiveTerms eo = ResolveTerms(&open, nullptr);
  auto vo = boost::json::parse(ExportTerms(eo, ExportFormat::kTdmRep, "/x"));
  EXPECT_EQ(vo.as_array().at(0).as_object().at("tdm-reservation").as_int64(), 0);
  EXPECT_FALSE(vo.as_array().at(0).as_object().contains("tdm-policy"));
}

TEST(TermsExportTest, Cawg) {
  Terms t = Make({{Purpose::kAiGenerativeTraining, Permission::kNotAllowed},
                  {Purpose::kAiInference, Permission::kAllowed}});
  t.at(Purpose::kDataMining) =
      PurposeTerms{Permission::kConstrained, {{}, "mailto:rights@example.org", "ask first"}};
  EffectiveTerms e = ResolveTerms(&t, nullptr);
  auto v = boost::json::parse(ExportTerms(e, ExportFormat::kCawg, ""));
  EXPECT_EQ(v.at("label").as_string(), "cawg.training-mining");
  const auto& entries = v.at("data").at("entries").as_object();
  EXPECT_EQ(entries.at("cawg.ai_generative_training").at("use").as_string(), "notAllowed");
  EXPECT_EQ(entries.at("cawg.ai_inference").at("use").as_string(), "allowed");
  // ai_training inherits constrained from data_mining.
  EXPECT_EQ(entries.at("cawg.ai_training").at("use").as_string(), "constrained");
  EXPECT_THAT(std::string(entries.at("cawg.data_mining").at("constraint_info").as_string()),
              HasSubstr("mailto:rights@example.org"));
  EXPECT_FALSE(entries.contains("cawg.search"));
}

TEST(TermsExportTest, PlusAndAipref) {
  const std::string prefix = "http://ns.useplus.org/ldf/vocab/";
  auto plus = [&](const Terms& t) {
    return ExportTerms(ResolveTerms(&t, nullptr), ExportFormat::kPlus, "");
  };
  EXPECT_EQ(plus(Make({{Purpose::kAiGenerativeTraining, Permission::kNotAllowed}})),
            prefix + "DMI-PROHIBITED-GENAIMLTRAINING");
  EXPECT_EQ(plus(Make({{Purpose::kAiTraining, Permission::kNotAllowed}})),
            prefix + "DMI-PROHIBITED-AIMLTRAINING");
  EXPECT_EQ(plus(Make({{Purpose::kDataMining, Permission::kNotAllowed}})),
            prefix + "DMI-PROHIBITED");
  EXPECT_EQ(plus(Make({{Purpose::kDataMining, Permission::kNotAllowed},
                       {Purpose::kSearch, Permission::kAllowed}})),
            prefix + "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING");
  EXPECT_EQ(plus(Make({{Purpose::kDataMining, Permission::kAllowed}})), prefix + "DMI-ALLOWED");
  EXPECT_EQ(plus(Terms{}), prefix + "DMI-UNSPECIFIED");

  Terms t = Make({{Purpose::kDataMining, Permission::kAllowed},
                  {Purpose::kAiGenerativeTraining, Permission::kNotAllowed},
                  {Purpose::kSearch, Permission::kAllowed}});
  EXPECT_EQ(ExportTerms(ResolveTerms(&t, nullptr), ExportFormat::kAipref, ""),
            "all=y, train-ai=y, train-genai=n, search=y");
  EXPECT_EQ(ExportTerms(ResolveTerms(nullptr, nullptr), ExportFormat::kAipref, ""), "");
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
