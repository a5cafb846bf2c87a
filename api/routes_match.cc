// Matching: POST /v1/match (a fingerprint as JSON, or audio bytes that are
// fingerprinted here) and the AcoustID-compatible GET|POST /v2/lookup.
//
// Audio gets both prints from one decode: Chromaprint (with its speed
// variants) and the landmark query print; a JSON body may carry a landmark
// print beside its fingerprint. With a landmark print the two prints' matches
// are merged per work (fingerprint/fusion.h): tempo, pitch and which prints
// found each segment come back. A bare fingerprint is matched by Chromaprint
// alone, exactly as before; /v2/lookup is always Chromaprint alone.
//
// /v2/lookup speaks AcoustID's web service dialect (https://acoustid.org/webservice):
// parameters fingerprint, duration, meta, format (json only), client (ignored);
// a form-encoded POST body, gzip-compressed or not (pyacoustid compresses);
// answers {"status":"ok","results":[{"id","score","recordings":[...]}]} and
// errors {"status":"error","error":{"code","message"}} with AcoustID's codes.
// A result id is the Signet work id; score is 1 / (1 + E), E the match's
// E-value (the expected number of unrelated works matching this well,
// protocol/answers.h): in [0, 1] like AcoustID's and calibrated, 0.5 where a
// false match is as likely as not, >= 0.999 for every match kept (E <= 1e-3).
#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <boost/json.hpp>

#include "api/api.h"
#include "api/json_mapping.h"
#include "fingerprint/codec.h"
#include "fingerprint/extract.h"
#include "fingerprint/landmark.h"
#include "protocol/answers_json.h"

namespace signet::api {
namespace bj = boost::json;

namespace {

// A search of part of the index (a cluster with shards down, docs/CLUSTER.md)
// says so; a complete one carries no header.
void SetCoverageHeader(Response& r, const registry::SearchCoverage& coverage) {
  if (!coverage.complete()) {
    r.headers.Set("Signet-Searched-Fraction", fmt::format("{}", coverage.fraction()));
  }
}

std::string_view MediaType(const Request& r) {
  std::string_view ct = r.headers.Get("Content-Type").value_or("");
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  return ct;
}

// Inflates a gzip or zlib body, refusing to produce more than `limit` bytes
// (a small compressed body can expand enormously).
Result<std::string> Inflate(std::string_view in, std::size_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Internal("zlib init failed");
  struct Guard {
    z_stream* z;
    ~Guard() { inflateEnd(z); }
  } guard{&zs};
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[16384];
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > limit) {
      return Status::ResourceExhausted(
          fmt::format("the decompressed body exceeds {} bytes; send less", limit));
    }
    if (rc == Z_STREAM_END) return out;
    if (rc != Z_OK) {
      return Status::InvalidArgument(
          "the body says Content-Encoding: gzip but is not valid gzip data");
    }
    if (zs.avail_in == 0 && zs.avail_out != 0) {
      return Status::InvalidArgument("the gzip body is truncated");
    }
  }
}

Response AcoustIdError(int http_status, int code, std::string_view message) {
  bj::object o;
  o["status"] = "error";
  o["error"] = bj::object{{"code", code}, {"message", message}};
  return json::JsonResponse(http_status, o);
}

}  // namespace

Response Api::PostMatch(const Request& request, const Params& p) const {
  std::string_view type = MediaType(request);
  bool speed_variants = !options_.speed_variants.empty();
  for (const auto& [k, v] : p.target.query) {
    if (k != "speed_variants") continue;
    if (v != "on" && v != "off") {
      return Response::Problem(Status::InvalidArgument(
          "speed_variants must be \"on\" or \"off\" (audio queries: also look for copies "
          "played up to 6 % faster or slower)"));
    }
    speed_variants = speed_variants && v == "on";
  }
  std::vector<std::uint32_t> values;
  std::vector<fp::SpeedVariant> variants;
  std::optional<fp::LandmarkPrint> landmark;
  protocol::MatchAnswer answer;
  protocol::MatchQuery& query = answer.query;
  if (type == "application/json") {
    if (request.body.size() > options_.max_fingerprint_request_bytes) {
      return Response::Problem(413, "content too large",
                               fmt::format("a JSON match request may be at most {} bytes",
                                           options_.max_fingerprint_request_bytes));
    }
    auto body = json::ParseObject(
        request.body, R"({"fingerprint": "<fpcalc FINGERPRINT= string>" or [raw integers]})");
    if (!body.ok()) return Response::Problem(body.status());
    const bj::value* fpv = body->if_contains("fingerprint");
    if (!fpv) {
      return Response::Problem(
          Status::InvalidArgument(
              "field \"fingerprint\" is required: the compressed string fpcalc prints, or an "
              "array of 32-bit integers")
              .WithField("fingerprint"));
    }
    auto decoded = json::FingerprintFromJson(*fpv, "fingerprint");
    if (!decoded.ok()) return Response::Problem(decoded.status().WithField("fingerprint"));
    values = std::move(*decoded);
    if (const bj::value* lmv = body->if_contains("landmark")) {
      auto print = json::LandmarkFromJson(*lmv, "landmark", options_.max_audio_seconds);
      if (!print.ok()) return Response::Problem(print.status());
      landmark = std::move(*print);
    }
    query.source = "fingerprint";
  } else if (type.starts_with("audio/") || type == "application/octet-stream") {
    if (request.body.empty()) {
      return Response::Problem(Status::InvalidArgument("the body is empty; send the audio file"));
    }
    fp::DecodeLimits limits;
    limits.max_input_bytes = options_.max_audio_bytes;
    limits.max_duration_seconds = options_.max_audio_seconds;
    limits.max_decode_time = options_.max_audio_decode_time;
    const std::span<const double> speeds = speed_variants
                                               ? std::span<const double>(options_.speed_variants)
                                               : std::span<const double>();
    const fp::LandmarkOptions density = fp::LandmarkOptions::Query();
    fp::AudioPrintOptions print_options;
    print_options.speeds = speeds;
    print_options.max_variant_seconds = options_.speed_variant_seconds;
    print_options.landmark = &density;
    auto fpr = fp::FingerprintAudioPrints(
        fp::AudioSource::Bytes(std::span(reinterpret_cast<const std::uint8_t*>(request.body.data()),
                                         request.body.size())),
        limits, print_options);
    if (!fpr.ok()) return Response::Problem(fpr.status());
    values = std::move(fpr->original.fingerprint.values);
    variants = std::move(fpr->variants);
    landmark = std::move(fpr->landmark);
    query.source = "audio";
    query.duration = fpr->original.duration_seconds;
    if (speed_variants) {
      query.speed_variants = std::vector<double>(speeds.begin(), speeds.end());
      query.speed_variant_seconds = fpr->variant_seconds;
    }
  } else {
    return Response::Problem(
        415, "unsupported media type",
        fmt::format("Content-Type \"{}\" is not accepted; send application/json with a "
                    "fingerprint, or the audio itself as audio/* or application/octet-stream",
                    type));
  }
  if (values.empty()) {
    return Response::Problem(
        Status::InvalidArgument("the fingerprint is empty; send at least a few seconds of audio"));
  }
  query.fingerprint_length = values.size();
  std::vector<fp::QueryVariant> renderings = {{values, 1.0}};
  for (const fp::SpeedVariant& v : variants) {
    if (!v.values.empty()) renderings.push_back({v.values, v.speed});
  }
  if (landmark) query.landmark_peaks = landmark->peaks.size();
  registry::SearchCoverage coverage;
  auto matches = registry_.Match(renderings, landmark ? &*landmark : nullptr, &coverage);
  if (!matches.ok()) return Response::Problem(matches.status());
  for (const auto& m : *matches) answer.matches.push_back(json::Wire(m));
  if (!coverage.complete()) answer.searched_fraction = coverage.fraction();
  if (!registry_.IndexComplete()) {
    // Never silently less: the answer says it comes from a partial index.
    const registry::Stats st = registry_.GetStats();
    answer.index = protocol::PartialIndex{st.indexed_works, st.works};
  }
  Response r = json::JsonResponse(200, protocol::ToJson(answer));
  SetCoverageHeader(r, coverage);
  return r;
}

Response Api::AcoustIdLookup(const Request& request, const Params& p) const {
  std::vector<std::pair<std::string, std::string>> params = p.target.query;
  if (request.method == "POST" && !request.body.empty()) {
    std::string body = request.body;
    if (auto enc = request.headers.Get("Content-Encoding"); enc && *enc != "identity") {
      if (*enc != "gzip" && *enc != "deflate") {
        return AcoustIdError(415, 1, fmt::format("unsupported Content-Encoding \"{}\"", *enc));
      }
      auto inflated = Inflate(body, options_.max_fingerprint_request_bytes);
      if (!inflated.ok()) {
        return AcoustIdError(
            inflated.status().code() == Status::Code::kResourceExhausted ? 413 : 400, 1,
            inflated.status().message());
      }
      body = std::move(*inflated);
    }
    auto form = ParseTarget("/?" + body);
    if (!form.ok())
      return AcoustIdError(400, 1, "the body is not application/x-www-form-urlencoded");
    for (auto& kv : form->query) params.push_back(std::move(kv));
  }
  auto get = [&](std::string_view name) -> std::optional<std::string_view> {
    for (auto it = params.rbegin(); it != params.rend(); ++it) {
      if (it->first == name) return std::string_view(it->second);
    }
    return std::nullopt;
  };
  if (auto format = get("format"); format && *format != "json") {
    return AcoustIdError(400, 1,
                         fmt::format("unknown format \"{}\"; only json is served", *format));
  }
  auto fingerprint = get("fingerprint");
  if (!fingerprint || fingerprint->empty()) {
    return AcoustIdError(400, 2, "missing required parameter \"fingerprint\"");
  }
  auto duration = get("duration");
  if (!duration) return AcoustIdError(400, 2, "missing required parameter \"duration\"");
  auto seconds = json::ParseUint(*duration, "duration");
  if (!seconds.ok() || *seconds == 0 || *seconds > 6 * 3600) {
    return AcoustIdError(400, 8, "invalid duration: send the length in whole seconds");
  }
  auto decoded = fp::DecodeFingerprint(*fingerprint);
  if (!decoded.ok() || decoded->values.empty()) {
    return AcoustIdError(400, 3,
                         "invalid fingerprint: " + (decoded.ok() ? std::string("it is empty")
                                                                 : decoded.status().message()));
  }
  std::string meta(get("meta").value_or(""));
  std::replace(meta.begin(), meta.end(), '+', ' ');
  auto has_meta = [&](std::string_view word) {
    std::size_t pos = 0;
    while ((pos = meta.find(word, pos)) != std::string::npos) {
      bool start = pos == 0 || meta[pos - 1] == ' ';
      bool end = pos + word.size() == meta.size() || meta[pos + word.size()] == ' ';
      if (start && end) return true;
      pos += word.size();
    }
    return false;
  };
  const bool recordings = has_meta("recordings");
  const bool recording_ids = recordings || has_meta("recordingids");

  registry::SearchCoverage coverage;
  auto matches = registry_.Match(decoded->values, &coverage);
  if (!matches.ok()) return AcoustIdError(500, 5, matches.status().message());
  bj::array results;
  for (const auto& m : *matches) {
    bj::object r;
    r["id"] = m.work.id;
    r["score"] = 1.0 / (1.0 + protocol::EValueOfScore(m.score));
    if (recording_ids) {
      bj::object rec;
      rec["id"] = m.work.id;
      if (recordings) {
        rec["title"] = m.work.title;
        rec["duration"] = static_cast<std::int64_t>(m.work.duration_seconds);
        rec["artists"] =
            bj::array{bj::object{{"id", m.work.artist}, {"name", m.artist_display_name}}};
      }
      r["recordings"] = bj::array{std::move(rec)};
    }
    results.emplace_back(std::move(r));
  }
  bj::object o;
  o["status"] = "ok";
  o["results"] = std::move(results);
  Response r = json::JsonResponse(200, o);
  SetCoverageHeader(r, coverage);
  return r;
}

}  // namespace signet::api
