// Statements in, registry objects out: POST /v1/statements and the read routes
// for artists, works, terms and disputes.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <cctype>

#include "api/api.h"
#include "api/json_mapping.h"
#include "crypto/ed25519.h"
#include "crypto/receipt.h"
#include "crypto/tiles.h"
#include "protocol/answers_json.h"
#include "protocol/ids.h"
#include "protocol/terms.h"
#include "protocol/time.h"
#include "registry/identifiers.h"
#include "registry/submission.h"

namespace signet::api {
namespace bj = boost::json;

namespace {

Result<std::size_t> PageSize(const Target& t, const ApiOptions& o) {
  auto limit = t.Query("limit");
  if (!limit) return o.default_page_size;
  auto n = json::ParseUint(*limit, "limit");
  if (!n.ok()) return n.status();
  if (*n < 1 || *n > o.max_page_size) {
    return Status::InvalidArgument(
        fmt::format("parameter \"limit\" must be between 1 and {}", o.max_page_size));
  }
  return static_cast<std::size_t>(*n);
}

Response PageResponse(bj::array items, const registry::Page& page) {
  bj::object o;
  o["items"] = std::move(items);
  if (page.next_cursor.empty()) {
    o["next_cursor"] = nullptr;
  } else {
    o["next_cursor"] = page.next_cursor;
  }
  return json::JsonResponse(200, o);
}

Status CheckArtistId(std::string_view id) {
  if (crypto::IsWellFormedArtistId(id)) return Status::Ok();
  return Status::InvalidArgument(
      fmt::format("\"{}\" is not an artist id; artist ids look like \"ar_\" followed by base32 "
                  "(see the artist.register answer)",
                  id));
}

Status CheckWorkId(std::string_view id) {
  if (protocol::IsWellFormedWorkId(id)) return Status::Ok();
  return Status::InvalidArgument(fmt::format(
      "\"{}\" is not a work id; work ids are \"wk_\" followed by 32 lowercase hex digits", id));
}

// Where a work is served (api.cc routes "/v1/works/{id}"): the Location of a
// registration and the target of its TDM Policy.
std::string WorkPath(std::string_view id) { return "/v1/works/" + std::string(id); }

// The absolute origin the client reached us at, for URLs that leave this
// registry (a TDMRep tdm-policy is read from another server's rule file):
// the Host header, with https when a TLS proxy says X-Forwarded-Proto: https.
Result<std::string> PublicOrigin(const Request& r) {
  std::string_view host = r.headers.Get("Host").value_or("");
  bool ok = !host.empty() && host.size() <= 255;
  for (char ch : host) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' ||
                ch == ':' || ch == '[' || ch == ']');
  }
  if (!ok) {
    return Status::InvalidArgument(
        "send a Host header naming this registry (host[:port]): the TDMRep export names "
        "absolute URLs under it");
  }
  std::string_view proto = r.headers.Get("X-Forwarded-Proto").value_or("http");
  return std::string(proto == "https" ? "https" : "http") + "://" + std::string(host);
}

}  // namespace

Response Api::PostStatement(const Request& request, const Params&) const {
  auto ct = request.headers.Get("Content-Type");
  if (ct && ct->substr(0, ct->find(';')) != "application/json") {
    return Response::Problem(415, "unsupported media type",
                             "send the DSSE envelope as application/json");
  }
  if (request.body.empty()) {
    return Response::Problem(Status::InvalidArgument(
        "the body is empty; send a DSSE envelope {\"payloadType\", \"payload\", \"signatures\"} "
        "signed by the artist's key (signet register does this)"));
  }
  auto accepted = registry_.Submit(request.body);
  if (!accepted.ok()) {
    // A retry whose first attempt was accepted although its answer was lost:
    // the same bytes are the same statement, so answer with its receipt.
    const bool retry = request.headers.Get("Signet-Retry").value_or("") == "1";
    if (retry && accepted.status().code() == Status::Code::kAlreadyExists) {
      auto at = registry_.FindAccepted(request.body);
      if (at.ok() && *at) return AlreadyAccepted(request.body, **at);
    }
    Response r = Response::Problem(accepted.status());
    if (request.body.size() > crypto::tiles::kMaxEntryBytes &&
        accepted.status().code() == Status::Code::kResourceExhausted) {
      // Machine-readable: the limit and the size (RFC 9457 extension members).
      bj::object o = bj::parse(r.body).as_object();
      o["max_bytes"] = crypto::tiles::kMaxEntryBytes;
      o["bytes"] = request.body.size();
      r.body = bj::serialize(o);
    }
    return r;
  }
  Response r = json::JsonResponse(201, json::AcceptedJson(*accepted));
  if (accepted->work_id) {
    r.headers.Set("Location", WorkPath(*accepted->work_id));
  } else if (accepted->dispute_id) {
    r.headers.Set("Location", "/v1/disputes/" + *accepted->dispute_id);
  } else {
    r.headers.Set("Location", "/v1/artists/" + accepted->artist_id);
  }
  return r;
}

Response Api::AlreadyAccepted(std::string_view envelope_json, std::uint64_t log_index) const {
  auto receipt = registry_.ReceiptFor(log_index);
  if (!receipt.ok()) return Response::Problem(receipt.status());
  bj::object o;
  o["statement_id"] = registry::StatementIdOf(envelope_json);
  o["log_index"] = log_index;
  o["already_accepted"] = true;
  o["receipt"] = bj::parse(crypto::ReceiptToJson(*receipt));
  Response r = json::JsonResponse(200, o);
  r.headers.Set("Location", fmt::format("/v1/log/entries/{}", log_index));
  return r;
}

Response Api::GetArtist(const Request&, const Params& p) const {
  const std::string& id = p.Param("id");
  if (auto st = CheckArtistId(id); !st.ok()) return Response::Problem(st);
  auto artist = registry_.GetArtist(id);
  if (!artist.ok()) return Response::Problem(artist.status());
  return json::JsonResponse(200, json::ArtistJson(*artist));
}

Response Api::ListArtistWorks(const Request&, const Params& p) const {
  const std::string& id = p.Param("id");
  if (auto st = CheckArtistId(id); !st.ok()) return Response::Problem(st);
  auto limit = PageSize(p.target, options_);
  if (!limit.ok()) return Response::Problem(limit.status());
  registry::Page page;
  auto works = registry_.ListArtistWorks(id, p.target.Query("cursor").value_or(""), *limit, &page);
  if (!works.ok()) return Response::Problem(works.status());
  bj::array items;
  for (const auto& w : *works) items.emplace_back(json::WorkJson(w));
  return PageResponse(std::move(items), page);
}

Response Api::GetWork(const Request&, const Params& p) const {
  const std::string& id = p.Param("id");
  if (auto st = CheckWorkId(id); !st.ok()) return Response::Problem(st);
  auto work = registry_.GetWork(id);
  if (!work.ok()) return Response::Problem(work.status());
  return json::JsonResponse(200, json::WorkJson(*work));
}

Response Api::SearchWorks(const Request&, const Params& p) const {
  auto limit = PageSize(p.target, options_);
  if (!limit.ok()) return Response::Problem(limit.status());
  registry::WorkQuery query;
  query.title = std::string(p.target.Query("q").value_or(""));
  if (auto artist = p.target.Query("artist")) {
    // An artist id names the owner; anything else is words of the name.
    if (crypto::IsWellFormedArtistId(*artist)) {
      query.artist_id = std::string(*artist);
    } else {
      query.artist_name = std::string(*artist);
    }
  }
  auto identifier = [&](std::string_view name, auto normalize,
                        std::optional<std::string>& out) -> Status {
    auto text = p.target.Query(name);
    if (!text) return Status::Ok();
    auto canonical = normalize(*text);
    if (!canonical.ok()) {
      return Status::InvalidArgument(
          fmt::format("parameter \"{}\": {}", name, canonical.status().message()));
    }
    out = std::move(*canonical);
    return Status::Ok();
  };
  if (auto st = identifier("isrc", registry::NormalizeIsrc, query.isrc); !st.ok()) {
    return Response::Problem(st);
  }
  if (auto st = identifier("iswc", registry::NormalizeIswc, query.iswc); !st.ok()) {
    return Response::Problem(st);
  }
  registry::Page page;
  auto works = registry_.SearchWorks(query, p.target.Query("cursor").value_or(""), *limit, &page);
  if (!works.ok()) return Response::Problem(works.status());
  bj::array items;
  for (const auto& w : *works) items.emplace_back(json::WorkJson(w));
  return PageResponse(std::move(items), page);
}

Response Api::SearchArtists(const Request&, const Params& p) const {
  auto limit = PageSize(p.target, options_);
  if (!limit.ok()) return Response::Problem(limit.status());
  registry::Page page;
  auto artists = registry_.SearchArtists(p.target.Query("q").value_or(""),
                                         p.target.Query("cursor").value_or(""), *limit, &page);
  if (!artists.ok()) return Response::Problem(artists.status());
  bj::array items;
  for (const auto& a : *artists) items.emplace_back(json::ArtistJson(a));
  return PageResponse(std::move(items), page);
}

Response Api::GetTerms(const Request&, const Params& p) const {
  const std::string& id = p.Param("id");
  if (auto st = CheckWorkId(id); !st.ok()) return Response::Problem(st);
  protocol::Micros at = protocol::SystemNowMicros();
  if (auto text = p.target.Query("at")) {
    auto parsed = protocol::ParseRfc3339Utc(*text);
    if (!parsed.ok()) {
      return Response::Problem(Status::InvalidArgument(
          fmt::format("parameter \"at\" must be an RFC 3339 UTC time such as "
                      "2026-11-23T12:00:00Z: {}",
                      parsed.status().message())));
    }
    at = *parsed;
  }
  auto answer = registry_.TermsAt(id, at);
  if (!answer.ok()) return Response::Problem(answer.status());
  return json::JsonResponse(200, protocol::ToJson(json::Wire(*answer)));
}

Response Api::ExportTerms(const Request& request, const Params& p) const {
  const std::string& id = p.Param("id");
  if (auto st = CheckWorkId(id); !st.ok()) return Response::Problem(st);
  auto name = p.target.Query("format");
  std::optional<registry::ExportFormat> format;
  if (name) format = protocol::ParseExportFormat(*name);
  if (!format) {
    std::string names;
    for (protocol::ExportFormat f : protocol::kAllExportFormats) {
      names += (names.empty() ? "" : ", ") + std::string(protocol::ExportFormatName(f));
    }
    return Response::Problem(
        Status::InvalidArgument("parameter \"format\" must be one of " + names));
  }
  registry::ExportContext context;
  if (*format == protocol::ExportFormat::kTdmRep || *format == protocol::ExportFormat::kTdmPolicy) {
    if (*format == protocol::ExportFormat::kTdmRep) {
      auto location = p.target.Query("location");
      if (!location) {
        return Response::Problem(
            Status::InvalidArgument(
                "parameter \"location\" is required with format=tdmrep: the path pattern, on "
                "the web server that serves this work's files, that the rule covers (e.g. "
                "/music/song.flac); a TDMRep rule file is served by that server, not by the "
                "registry")
                .WithField("location"));
      }
      if (auto st = registry::CheckTdmLocation(*location); !st.ok()) {
        return Response::Problem(st.WithField("location"));
      }
      context.location = std::string(*location);
    }
    auto origin = PublicOrigin(request);
    if (!origin.ok()) return Response::Problem(origin.status());
    auto work = registry_.GetWork(id);
    if (!work.ok()) return Response::Problem(work.status());
    auto artist = registry_.GetArtist(work->artist);
    if (!artist.ok()) return Response::Problem(artist.status());
    context.work_url = *origin + WorkPath(id);
    context.policy_url = context.work_url + "/terms/export?format=tdm-policy";
    context.artist_url = *origin + "/v1/artists/" + artist->id;
    context.artist_name = artist->display_name;
  }
  auto text = registry_.ExportTerms(id, *format, context);
  if (!text.ok()) return Response::Problem(text.status());
  std::string type(protocol::ExportContentType(*format));
  if (type == "text/plain") type += "; charset=utf-8";
  return Response::Text(200, std::move(*text), type);
}

Response Api::WorkHistory(const Request&, const Params& p) const {
  const std::string& id = p.Param("id");
  if (auto st = CheckWorkId(id); !st.ok()) return Response::Problem(st);
  auto history = registry_.WorkHistory(id);
  if (!history.ok()) return Response::Problem(history.status());
  bj::array items;
  for (const auto& e : *history) items.emplace_back(json::HistoryEntryJson(e));
  bj::object o;
  o["work_id"] = id;
  o["items"] = std::move(items);
  return json::JsonResponse(200, o);
}

Response Api::ListDisputes(const Request&, const Params& p) const {
  auto limit = PageSize(p.target, options_);
  if (!limit.ok()) return Response::Problem(limit.status());
  registry::DisputeFilter filter;
  if (auto state = p.target.Query("state")) {
    if (*state == "open") {
      filter.state = registry::DisputeState::kOpen;
    } else if (*state == "resolved") {
      filter.state = registry::DisputeState::kResolved;
    } else {
      return Response::Problem(
          Status::InvalidArgument("parameter \"state\" must be \"open\" or \"resolved\""));
    }
  }
  if (auto artist = p.target.Query("artist")) {
    if (auto st = CheckArtistId(*artist); !st.ok()) return Response::Problem(st);
    filter.artist = std::string(*artist);
  }
  if (auto work = p.target.Query("work")) {
    if (auto st = CheckWorkId(*work); !st.ok()) return Response::Problem(st);
    filter.work = std::string(*work);
  }
  registry::Page page;
  auto disputes =
      registry_.ListDisputes(p.target.Query("cursor").value_or(""), *limit, filter, &page);
  if (!disputes.ok()) return Response::Problem(disputes.status());
  bj::array items;
  for (const auto& d : *disputes) items.emplace_back(json::DisputeJson(d));
  return PageResponse(std::move(items), page);
}

Response Api::GetDispute(const Request&, const Params& p) const {
  const std::string& id = p.Param("id");
  if (!protocol::IsWellFormedDisputeId(id)) {
    return Response::Problem(Status::InvalidArgument(fmt::format(
        "\"{}\" is not a dispute id; dispute ids are \"dp_\" followed by 32 lowercase hex digits",
        id)));
  }
  auto dispute = registry_.GetDispute(id);
  if (!dispute.ok()) return Response::Problem(dispute.status());
  return json::JsonResponse(200, json::DisputeJson(*dispute));
}

}  // namespace signet::api
