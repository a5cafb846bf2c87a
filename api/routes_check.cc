// POST /v1/check: the dataset check, streamed NDJSON in and out.
//
// Request: Content-Type application/x-ndjson (or anything: the body is read
// as lines). Options come from the query (?purpose=ai_training&licence=URL&
// licence=URL2&receipt=1) and/or from a FIRST line that is an options object:
//   {"purpose": "ai_generative_training", "licences": ["https://..."], "receipt": true}
// Then one item per line:
//   {"id": "<any string you choose, echoed back>",
//    "fingerprint": "<fpcalc FINGERPRINT=>" | [raw ints], "sha256": "<hex of the file>"}
// (at least one of fingerprint and sha256), and with a fingerprint optionally
//    "landmark": "<the file's landmark query print, fingerprint/landmark_codec.h>"
// so that both prints are matched and fused (sped-up, pitch-shifted and
// reverberated copies are found; `signet check` sends it). Blank lines are skipped.
//
// Progress: a stream holds one of the server's few stream slots, so it ends
// when no item has arrived for check_item_timeout (default 120 s; blank lines
// and partial lines do not count) or when it has run for check_max_duration
// (default 6 h). It ends with an error line {"line", "error": {"status": 408,
// "detail"}} and then the summary (and receipt) of the items answered so far;
// send the remaining items in a new request. Before the first item, the
// answer is an ordinary 408 problem.
//
// Response: 200 application/x-ndjson, chunked, one line per item in input
// order, written as soon as the item is checked:
//   {"id", "line", "verdict": allowed|notAllowed|constrained|disputed|unregistered,
//    "index_complete": false only while the fingerprint index is being rebuilt,
//    "reason", "works": [{"work_id","title","artist","artist_name","score",
//                         "verdict","reason","disputed"}]}
// A bad item does not end the stream; it gets
//   {"id"?, "line", "error": {"status": 400, "detail": "<what to fix>"}}
// The last line is a summary:
//   {"summary": {"purpose","items","errors","verdicts":{...},"checkpoint_size"},
//    "receipt"?: {"answer_sha256","note"}}
// Problems found before the first item (bad options) answer an ordinary 400.
//
// Receipt (?receipt=1): "answer_sha256" is SHA-256 over the exact bytes of every
// line before the summary line (newlines included); "note" is a C2SP signed
// note by the log's own key (verify it with GET /v1/log/key, e.g. Go's
// note.Open), whose text is
//   signet check receipt v1
//   <log origin = first line of the checkpoint>
//   purpose <purpose key>
//   items <N>
//   answer-sha256 <base64>
//   checkpoint <tree size> <base64 root hash>
//   time <RFC 3339 UTC>
// so an AI company can later prove what the registry answered, against which
// log state, and when. Its first line can never parse as a checkpoint, so a
// receipt cannot be passed off as one.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <cctype>
#include <map>

#include "api/api.h"
#include "api/json_mapping.h"
#include "api/problem.h"
#include "common/strict_json.h"
#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "protocol/answers_json.h"
#include "protocol/terms.h"
#include "protocol/time.h"

namespace signet::api {
namespace bj = boost::json;

namespace {

// Splits a streamed body into lines of bounded length; an over-long line is
// reported once and skipped up to its newline, so memory stays bounded.
class LineSplitter {
 public:
  using Clock = std::chrono::steady_clock;
  LineSplitter(BodyReader& body, std::size_t max_line, std::chrono::milliseconds item_timeout,
               std::chrono::milliseconds max_duration)
      : body_(body),
        max_line_(max_line),
        item_timeout_(item_timeout),
        deadline_(Clock::now() + max_duration),
        last_item_(Clock::now()) {}

  // An item arrived: the progress clock starts again.
  void ItemArrived() { last_item_ = Clock::now(); }
  // Set when Next failed because the stream broke the progress rule (the
  // client is still there to be told), as opposed to the body failing.
  bool out_of_time() const { return out_of_time_; }

  struct Line {
    std::string text;
    bool too_long = false;
  };
  // nullopt at the end of the body; an error when the body failed.
  Result<std::optional<Line>> Next() {
    for (;;) {
      std::size_t nl = buffer_.find('\n', scan_from_);
      if (nl != std::string::npos) {
        Line line;
        if (skipping_) {
          line.too_long = true;
          skipping_ = false;
        } else {
          line.text = buffer_.substr(0, nl);
          if (!line.text.empty() && line.text.back() == '\r') line.text.pop_back();
        }
        buffer_.erase(0, nl + 1);
        scan_from_ = 0;
        return std::optional<Line>(std::move(line));
      }
      scan_from_ = buffer_.size();
      if (buffer_.size() > max_line_) {
        skipping_ = true;
        buffer_.clear();
        scan_from_ = 0;
      }
      if (eof_) {
        if (skipping_) {
          skipping_ = false;
          return std::optional<Line>(Line{"", true});
        }
        if (buffer_.empty()) return std::optional<Line>();
        Line line{std::move(buffer_), false};
        buffer_.clear();
        return std::optional<Line>(std::move(line));
      }
      auto more = body_.Read(piece_);
      if (!more.ok()) return more.status();
      if (Status late = CheckProgress(); !late.ok()) return late;
      if (!*more) {
        eof_ = true;
      } else {
        buffer_ += piece_;
      }
    }
  }

 private:
  Status CheckProgress() {
    const auto now = Clock::now();
    if (now > deadline_) {
      out_of_time_ = true;
      return Status::Unavailable(
          "the stream ran longer than the server's limit for one /v1/check request; send the "
          "remaining items in a new request");
    }
    if (now - last_item_ > item_timeout_) {
      out_of_time_ = true;
      return Status::Unavailable(fmt::format(
          "no item arrived for {} s (blank lines do not count); a stream must keep sending "
          "items, or end its body",
          std::chrono::duration_cast<std::chrono::seconds>(item_timeout_).count()));
    }
    return Status::Ok();
  }

  BodyReader& body_;
  std::size_t max_line_;
  std::chrono::milliseconds item_timeout_;
  Clock::time_point deadline_, last_item_;
  bool out_of_time_ = false;
  std::string buffer_, piece_;
  std::size_t scan_from_ = 0;
  bool skipping_ = false;
  bool eof_ = false;
};

struct CheckOptions {
  std::optional<protocol::Purpose> purpose;
  std::vector<std::string> licences;
  bool receipt = false;
};

Status PurposeFrom(std::string_view key, CheckOptions& o) {
  o.purpose = protocol::ParsePurpose(key);
  if (o.purpose) return Status::Ok();
  return Status::InvalidArgument(
      fmt::format("purpose \"{}\" is unknown; use one of {}", key, protocol::PurposeList()));
}

bool IsOptionsLine(const bj::object& o) {
  return !o.contains("fingerprint") && !o.contains("sha256") && !o.contains("id") &&
         (o.contains("purpose") || o.contains("licences") || o.contains("receipt"));
}

Status ApplyOptionsLine(const bj::object& o, CheckOptions& opts) {
  for (const auto& [k, v] : o) {
    if (k == "purpose") {
      if (!v.is_string())
        return Status::InvalidArgument("options line: \"purpose\" must be a string");
      SIGNET_RETURN_IF_ERROR(PurposeFrom(v.as_string(), opts));
    } else if (k == "licences") {
      if (!v.is_array()) {
        return Status::InvalidArgument("options line: \"licences\" must be an array of strings");
      }
      for (const auto& l : v.as_array()) {
        if (!l.is_string()) {
          return Status::InvalidArgument("options line: \"licences\" must be an array of strings");
        }
        opts.licences.emplace_back(l.as_string());
      }
    } else if (k == "receipt") {
      if (!v.is_bool())
        return Status::InvalidArgument("options line: \"receipt\" must be true or false");
      opts.receipt = opts.receipt || v.as_bool();
    } else {
      return Status::InvalidArgument(
          fmt::format("options line: unknown field \"{}\" (allowed: purpose, licences, receipt)",
                      std::string(k)));
    }
  }
  return Status::Ok();
}

// Parses one item line into a registry request; `id` is filled as soon as known.
Result<registry::CheckRequest> ParseItem(const std::string& text, const CheckOptions& opts,
                                         double max_landmark_seconds, protocol::CheckItemId& id) {
  auto obj =
      json::ParseObject(text, R"({"id": "...", "fingerprint": "..." and/or "sha256": "..."})");
  if (!obj.ok()) return obj.status();
  registry::CheckRequest req;
  req.purpose = *opts.purpose;
  req.licences = opts.licences;
  for (const auto& [k, v] : *obj) {
    if (k == "id") {
      if (!v.is_string() && !IntegerIn(v, 0, kMaxJsonInteger)) {
        return Status::InvalidArgument("\"id\" must be a string or an integer from 0 to 2^53");
      }
      if (v.is_string() && v.as_string().size() > 1024) {
        return Status::InvalidArgument("\"id\" may be at most 1024 characters");
      }
      if (v.is_string()) id = std::string(v.as_string());
      if (v.is_int64()) id = v.as_int64();
      if (v.is_uint64()) id = v.as_uint64();
    } else if (k == "fingerprint") {
      SIGNET_ASSIGN_OR_RETURN(auto values, json::FingerprintFromJson(v, "fingerprint"));
      if (values.empty()) return Status::InvalidArgument("\"fingerprint\" is empty");
      req.fingerprint = std::move(values);
    } else if (k == "landmark") {
      SIGNET_ASSIGN_OR_RETURN(req.landmark,
                              json::LandmarkFromJson(v, "landmark", max_landmark_seconds));
    } else if (k == "sha256") {
      if (!v.is_string() || v.as_string().size() != 64) {
        return Status::InvalidArgument("\"sha256\" must be 64 hexadecimal characters");
      }
      std::string hex(v.as_string());
      for (char& c : hex) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!std::isxdigit(static_cast<unsigned char>(c))) {
          return Status::InvalidArgument("\"sha256\" must be 64 hexadecimal characters");
        }
      }
      req.sha256 = std::move(hex);
    } else {
      return Status::InvalidArgument(fmt::format(
          "unknown field \"{}\" (an item has id, fingerprint, landmark, sha256)", std::string(k)));
    }
  }
  if (!req.fingerprint && !req.sha256) {
    return Status::InvalidArgument("an item needs \"fingerprint\" and/or \"sha256\"");
  }
  if (req.landmark && !req.fingerprint) {
    return Status::InvalidArgument(
        "\"landmark\" goes with the same file's \"fingerprint\"; send both");
  }
  return req;
}

protocol::CheckVerdictLine VerdictLine(const protocol::CheckItemId& id, std::uint64_t line,
                                       const registry::CheckResult& r) {
  protocol::CheckVerdictLine o;
  o.id = id;
  o.line = line;
  o.verdict = r.verdict.verdict;
  o.reason = r.verdict.reason;
  for (const auto& w : r.works) {
    o.works.push_back({w.match.work.id, w.match.work.title, w.match.work.artist,
                       w.match.artist_display_name, w.match.score, w.verdict.verdict,
                       w.verdict.reason, !w.match.disputes.empty()});
  }
  if (!r.coverage.complete()) o.searched_fraction = r.coverage.fraction();
  return o;
}

}  // namespace

Response Api::PostCheck(const Request&, const Params& p, BodyReader& body,
                        ResponseStream& out) const {
  CheckOptions opts;
  for (const auto& [k, v] : p.target.query) {
    if (k == "purpose") {
      if (auto st = PurposeFrom(v, opts); !st.ok()) return Response::Problem(st);
    } else if (k == "licence" || k == "license") {
      opts.licences.push_back(v);
    } else if (k == "receipt") {
      opts.receipt = v == "1" || v == "true";
    }
  }
  LineSplitter lines(body, options_.max_check_line_bytes, options_.check_item_timeout,
                     options_.check_max_duration);
  std::optional<LineSplitter::Line> first;
  // Skip leading blank lines; an options line may come first.
  for (;;) {
    auto next = lines.Next();
    if (!next.ok() && lines.out_of_time()) {
      return Response::Problem(408, "request timeout", next.status().message());
    }
    if (!next.ok()) return Response::Problem(next.status());
    if (!next->has_value()) break;
    if ((*next)->too_long || !(*next)->text.empty()) {
      first = std::move(**next);
      break;
    }
  }
  if (first && !first->too_long) {
    auto obj = json::ParseObject(first->text, "an options or item object");
    if (obj.ok() && IsOptionsLine(*obj)) {
      if (auto st = ApplyOptionsLine(*obj, opts); !st.ok()) return Response::Problem(st);
      first.reset();
    }
  }
  if (!opts.purpose) {
    return Response::Problem(Status::InvalidArgument(fmt::format(
        "say which use you check for: ?purpose={} (or {}), or a first line "
        "{{\"purpose\": \"...\"}}",
        protocol::PurposeKey(protocol::kAllPurposes[0]), protocol::PurposeList(", ", 1))));
  }
  if (opts.receipt && !receipt_signer_) {
    return Response::Problem(501, "not implemented", "this server has no key to sign receipts");
  }
  // The log state the answer is given against.
  std::string checkpoint_note = registry_.Checkpoint();
  crypto::Checkpoint checkpoint;
  if (auto parsed = crypto::note::Parse(checkpoint_note); parsed.ok()) {
    if (auto cp = crypto::ParseCheckpointBody(parsed->text); cp.ok()) checkpoint = *cp;
  }

  Headers headers;
  headers.Set("Content-Type", "application/x-ndjson");
  if (!out.Begin(200, std::move(headers)).ok()) return {};

  crypto::Sha256Hasher answer;
  std::uint64_t line_no = 1, items = 0, errors = 0;
  std::map<std::string, std::uint64_t> verdicts;
  auto emit = [&](const protocol::CheckLine& l) {
    std::string s = bj::serialize(protocol::ToJson(l));
    s += '\n';
    answer.Update(s);
    return out.Write(std::move(s)).ok();
  };
  auto process = [&](const LineSplitter::Line& line) {
    lines.ItemArrived();
    protocol::CheckItemId id;
    Status status;
    if (line.too_long) {
      status = Status::InvalidArgument(fmt::format(
          "the line is longer than {} bytes; one item per line", options_.max_check_line_bytes));
    } else {
      auto req = ParseItem(line.text, opts, options_.max_audio_seconds, id);
      if (req.ok()) {
        auto result = registry_.CheckItem(*req);
        if (result.ok()) {
          ++items;
          ++verdicts[std::string(protocol::VerdictName(result->verdict.verdict))];
          protocol::CheckVerdictLine verdict = VerdictLine(id, line_no, *result);
          verdict.index_complete = registry_.IndexComplete();
          return emit(verdict);
        }
        status = result.status();
      } else {
        status = req.status();
      }
    }
    ++items;
    ++errors;
    return emit(protocol::CheckErrorLine{std::move(id), line_no, HttpStatusFor(status.code()),
                                         status.message()});
  };
  if (first && !process(*first)) return {};
  for (;;) {
    ++line_no;
    auto next = lines.Next();
    if (!next.ok() && lines.out_of_time()) {
      // The client is there but too slow: say so, then close the answer with
      // the summary of what was answered.
      if (!emit(protocol::CheckErrorLine{{}, line_no, 408, next.status().message()})) return {};
      break;
    }
    if (!next.ok()) return {};  // the client went away or stalled: nobody to answer
    if (!next->has_value()) break;
    if (!(*next)->too_long && (*next)->text.find_first_not_of(" \t") == std::string::npos) continue;
    if (!process(**next)) return {};
  }

  protocol::CheckSummaryLine last;
  last.purpose = *opts.purpose;
  last.items = items;
  last.errors = errors;
  last.verdicts = std::move(verdicts);
  last.checkpoint_size = checkpoint.size;
  if (opts.receipt) {
    crypto::Digest digest = answer.Finish();
    std::string digest_b64 = crypto::Base64Encode(crypto::ByteView(digest));
    std::string text = fmt::format(
        "signet check receipt v1\n{}\npurpose {}\nitems {}\nanswer-sha256 {}\ncheckpoint {} {}\n"
        "time {}\n",
        checkpoint.origin, protocol::PurposeKey(*opts.purpose), items, digest_b64, checkpoint.size,
        crypto::Base64Encode(crypto::ByteView(checkpoint.root)),
        protocol::FormatRfc3339Utc(protocol::SystemNowMicros()));
    auto note = receipt_signer_->Sign(text);
    if (note.ok()) {
      last.receipt = protocol::CheckReceipt{digest_b64, *note};
    } else {
      last.receipt_error = note.status().message();
    }
  }
  std::string s = bj::serialize(protocol::ToJson(protocol::CheckLine(std::move(last))));
  s += '\n';
  out.Write(std::move(s));
  return {};
}

}  // namespace signet::api
