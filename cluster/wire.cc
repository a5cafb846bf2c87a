#include "cluster/wire.h"

#include <bit>
#include <boost/json.hpp>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/strict_json.h"
#include "registry/statement.h"

namespace signet::cluster {
namespace {

namespace bj = boost::json;

constexpr std::size_t kMaxRecordBytes = 64u << 20;
constexpr std::size_t kMaxVariants = 64;
constexpr std::size_t kMaxValues = 1u << 20;
constexpr std::size_t kMaxMatches = 1024;
constexpr std::size_t kMaxSegments = 4096;

std::string ScoreBits(double d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t u = std::bit_cast<std::uint64_t>(d);
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, u >>= 4) s[static_cast<std::size_t>(i)] = kHex[u & 15];
  return s;
}

Result<double> ParseScoreBits(std::string_view s) {
  if (s.size() != 16) return Status::InvalidArgument("stream record: a score is 16 hex digits");
  std::uint64_t u = 0;
  for (char c : s) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return Status::InvalidArgument("stream record: a score is lowercase hex");
    u = (u << 4) | static_cast<std::uint64_t>(v);
  }
  const double d = std::bit_cast<double>(u);
  if (!std::isfinite(d)) return Status::InvalidArgument("stream record: a score is not finite");
  return d;
}

// Little-endian writer and bounds-checked reader of the search messages.
class Writer {
 public:
  void U8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U16(std::uint16_t v) { Le(v, 2); }
  void U32(std::uint32_t v) { Le(v, 4); }
  void U64(std::uint64_t v) { Le(v, 8); }
  void I32(std::int32_t v) { U32(static_cast<std::uint32_t>(v)); }
  void F64(double v) { U64(std::bit_cast<std::uint64_t>(v)); }
  void Bytes(std::string_view b) { out_.append(b); }
  std::string Take() { return std::move(out_); }

 private:
  void Le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i, v >>= 8) out_.push_back(static_cast<char>(v & 0xff));
  }
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view data, std::string_view what) : data_(data), what_(what) {}
  Result<std::uint8_t> U8() { return Le<std::uint8_t>(1); }
  Result<std::uint16_t> U16() { return Le<std::uint16_t>(2); }
  Result<std::uint32_t> U32() { return Le<std::uint32_t>(4); }
  Result<std::uint64_t> U64() { return Le<std::uint64_t>(8); }
  Result<std::int32_t> I32() {
    SIGNET_ASSIGN_OR_RETURN(std::uint32_t u, U32());
    return static_cast<std::int32_t>(u);
  }
  Result<double> F64() {
    SIGNET_ASSIGN_OR_RETURN(std::uint64_t u, U64());
    return std::bit_cast<double>(u);
  }
  Result<std::string_view> Bytes(std::size_t n) {
    if (n > data_.size() - at_) return Truncated();
    std::string_view b = data_.substr(at_, n);
    at_ += n;
    return b;
  }
  // Checks that `count` items of at least `min_bytes` each can still follow.
  Status Room(std::size_t count, std::size_t min_bytes, std::size_t max_count,
              std::string_view items) const {
    if (count > max_count) {
      return Status::InvalidArgument(std::string(what_) + ": more than " +
                                     std::to_string(max_count) + " " + std::string(items));
    }
    if (count * min_bytes > data_.size() - at_) return Truncated();
    return Status::Ok();
  }
  Status End() const {
    if (at_ != data_.size()) {
      return Status::InvalidArgument(std::string(what_) + ": trailing bytes");
    }
    return Status::Ok();
  }

 private:
  template <typename T>
  Result<T> Le(std::size_t n) {
    if (n > data_.size() - at_) return Truncated();
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(data_[at_ + i])) << (8 * i);
    }
    at_ += n;
    return static_cast<T>(v);
  }
  Status Truncated() const {
    return Status::InvalidArgument(std::string(what_) + ": truncated at byte " +
                                   std::to_string(at_));
  }

  std::string_view data_;
  std::string_view what_;
  std::size_t at_ = 0;
};

constexpr std::uint8_t kVersion = 2;  // shard search messages (wire.h)

void EncodeVariant(Writer& w, double speed, std::span<const std::uint32_t> values) {
  w.F64(speed);
  w.U32(static_cast<std::uint32_t>(values.size()));
  for (std::uint32_t v : values) w.U32(v);
}

}  // namespace

std::string EncodeStreamRecord(const registry::Replicated& r) {
  bj::object o;
  o["v"] = 1;
  o["log_index"] = r.decision.log_index;
  o["accepted_at"] = r.decision.accepted_at;
  bj::array disputes;
  for (const auto& d : r.decision.disputes) {
    disputes.emplace_back(bj::object{{"work", d.work_id}, {"score", ScoreBits(d.score)}});
  }
  o["disputes"] = std::move(disputes);
  o["checkpoint"] = r.checkpoint;
  o["envelope"] = r.envelope_json;
  return bj::serialize(o);
}

Result<registry::Replicated> DecodeStreamRecord(std::string_view data) {
  constexpr std::string_view kWhere = "stream record";
  SIGNET_ASSIGN_OR_RETURN(bj::value v, ParseStrictJson(data, kMaxRecordBytes, kWhere, 4));
  SIGNET_ASSIGN_OR_RETURN(
      const bj::object* o,
      ExpectObject(v, kWhere,
                   {"v", "log_index", "accepted_at", "disputes", "checkpoint", "envelope"}));
  SIGNET_ASSIGN_OR_RETURN(std::uint64_t version, GetUint64(*o, "v", kWhere));
  if (version != 1) {
    return Status::InvalidArgument("stream record version " + std::to_string(version) +
                                   " is newer than this signetd; upgrade it");
  }
  registry::Replicated r;
  SIGNET_ASSIGN_OR_RETURN(r.decision.log_index, GetUint64(*o, "log_index", kWhere));
  SIGNET_ASSIGN_OR_RETURN(std::uint64_t at, GetUint64(*o, "accepted_at", kWhere));
  if (at > static_cast<std::uint64_t>(std::numeric_limits<registry::Micros>::max())) {
    return Status::InvalidArgument("stream record: accepted_at is out of range");
  }
  r.decision.accepted_at = static_cast<registry::Micros>(at);
  SIGNET_ASSIGN_OR_RETURN(const bj::array* disputes, GetArray(*o, "disputes", kWhere));
  for (const bj::value& d : *disputes) {
    SIGNET_ASSIGN_OR_RETURN(const bj::object* dobj,
                            ExpectObject(d, "stream record dispute", {"work", "score"}));
    SIGNET_ASSIGN_OR_RETURN(std::string_view work, GetString(*dobj, "work", "dispute"));
    if (!registry::IsWellFormedWorkId(work)) {
      return Status::InvalidArgument("stream record: a dispute names no work id");
    }
    SIGNET_ASSIGN_OR_RETURN(std::string_view score, GetString(*dobj, "score", "dispute"));
    SIGNET_ASSIGN_OR_RETURN(double s, ParseScoreBits(score));
    r.decision.disputes.push_back({std::string(work), s});
  }
  SIGNET_ASSIGN_OR_RETURN(std::string_view cp, GetString(*o, "checkpoint", kWhere));
  SIGNET_ASSIGN_OR_RETURN(std::string_view env, GetString(*o, "envelope", kWhere));
  r.checkpoint = std::string(cp);
  r.envelope_json = std::string(env);
  return r;
}

std::string EncodeSearchRequest(SearchKind kind, std::uint32_t shard, std::uint64_t as_of,
                                std::span<const fp::QueryVariant> variants) {
  Writer w;
  w.U8(kVersion);
  w.U8(static_cast<std::uint8_t>(kind));
  w.U32(shard);
  w.U64(as_of);
  w.U16(static_cast<std::uint16_t>(variants.size()));
  for (const auto& v : variants) EncodeVariant(w, v.speed, v.values);
  return w.Take();
}

std::string EncodeSearchRequest(const SearchRequest& r) {
  std::vector<fp::QueryVariant> views;
  for (const auto& v : r.variants) views.push_back({v.values, v.speed});
  return EncodeSearchRequest(r.kind, r.shard, r.as_of, views);
}

Result<SearchRequest> DecodeSearchRequest(std::string_view data) {
  Reader r(data, "shard search request");
  SIGNET_ASSIGN_OR_RETURN(std::uint8_t version, r.U8());
  if (version != kVersion) return Status::InvalidArgument("shard search request: unknown version");
  SearchRequest out;
  SIGNET_ASSIGN_OR_RETURN(std::uint8_t kind, r.U8());
  if (kind != 1 && kind != 2) return Status::InvalidArgument("shard search request: unknown kind");
  out.kind = static_cast<SearchKind>(kind);
  SIGNET_ASSIGN_OR_RETURN(out.shard, r.U32());
  SIGNET_ASSIGN_OR_RETURN(out.as_of, r.U64());
  SIGNET_ASSIGN_OR_RETURN(std::uint16_t nvariants, r.U16());
  if (nvariants == 0) return Status::InvalidArgument("shard search request: no query");
  SIGNET_RETURN_IF_ERROR(r.Room(nvariants, 12, kMaxVariants, "query variants"));
  for (std::uint16_t i = 0; i < nvariants; ++i) {
    SearchRequest::Variant v;
    SIGNET_ASSIGN_OR_RETURN(v.speed, r.F64());
    if (!(v.speed > 0.25 && v.speed < 4)) {
      return Status::InvalidArgument("shard search request: a speed is out of range");
    }
    SIGNET_ASSIGN_OR_RETURN(std::uint32_t n, r.U32());
    SIGNET_RETURN_IF_ERROR(r.Room(n, 4, kMaxValues, "sub-fingerprints"));
    v.values.resize(n);
    for (std::uint32_t j = 0; j < n; ++j) {
      SIGNET_ASSIGN_OR_RETURN(v.values[j], r.U32());
    }
    out.variants.push_back(std::move(v));
  }
  SIGNET_RETURN_IF_ERROR(r.End());
  return out;
}

std::string EncodeSearchReply(const SearchReply& r) {
  Writer w;
  w.U8(kVersion);
  w.U8(r.ok ? 1 : 0);
  w.U64(r.log_size);
  if (!r.ok) {
    w.U32(static_cast<std::uint32_t>(r.error.size()));
    w.Bytes(r.error);
    return w.Take();
  }
  w.U64(r.references);
  w.U16(static_cast<std::uint16_t>(std::min(r.found.size(), kMaxMatches)));
  for (std::size_t i = 0; i < r.found.size() && i < kMaxMatches; ++i) {
    const auto& f = r.found[i];
    w.U64(f.match.ref_id);
    w.U16(static_cast<std::uint16_t>(f.work_id.size()));
    w.Bytes(f.work_id);
    w.F64(f.match.score);
    w.F64(f.match.e_value);
    w.F64(f.match.speed);
    const std::size_t nseg = std::min(f.match.segments.size(), kMaxSegments);
    w.U16(static_cast<std::uint16_t>(nseg));
    for (std::size_t j = 0; j < nseg; ++j) {
      const fp::Segment& s = f.match.segments[j];
      for (double d :
           {s.query_start, s.query_end, s.ref_start, s.ref_end, s.bit_error_rate, s.e_value}) {
        w.F64(d);
      }
      w.I32(s.informative_positions);
    }
  }
  return w.Take();
}

Result<SearchReply> DecodeSearchReply(std::string_view data) {
  Reader r(data, "shard search reply");
  SIGNET_ASSIGN_OR_RETURN(std::uint8_t version, r.U8());
  if (version != kVersion) return Status::InvalidArgument("shard search reply: unknown version");
  SearchReply out;
  SIGNET_ASSIGN_OR_RETURN(std::uint8_t ok, r.U8());
  if (ok > 1) return Status::InvalidArgument("shard search reply: bad status");
  out.ok = ok == 1;
  SIGNET_ASSIGN_OR_RETURN(out.log_size, r.U64());
  if (!out.ok) {
    SIGNET_ASSIGN_OR_RETURN(std::uint32_t n, r.U32());
    SIGNET_ASSIGN_OR_RETURN(std::string_view why, r.Bytes(n));
    out.error = std::string(why);
    SIGNET_RETURN_IF_ERROR(r.End());
    return out;
  }
  SIGNET_ASSIGN_OR_RETURN(out.references, r.U64());
  SIGNET_ASSIGN_OR_RETURN(std::uint16_t nmatches, r.U16());
  SIGNET_RETURN_IF_ERROR(r.Room(nmatches, 36, kMaxMatches, "matches"));
  for (std::uint16_t i = 0; i < nmatches; ++i) {
    registry::WorkIndex::Found f;
    SIGNET_ASSIGN_OR_RETURN(f.match.ref_id, r.U64());
    SIGNET_ASSIGN_OR_RETURN(std::uint16_t n, r.U16());
    SIGNET_ASSIGN_OR_RETURN(std::string_view id, r.Bytes(n));
    if (!registry::IsWellFormedWorkId(id)) {
      return Status::InvalidArgument("shard search reply: a match names no work id");
    }
    f.work_id = std::string(id);
    SIGNET_ASSIGN_OR_RETURN(f.match.score, r.F64());
    SIGNET_ASSIGN_OR_RETURN(f.match.e_value, r.F64());
    SIGNET_ASSIGN_OR_RETURN(f.match.speed, r.F64());
    SIGNET_ASSIGN_OR_RETURN(std::uint16_t nseg, r.U16());
    SIGNET_RETURN_IF_ERROR(r.Room(nseg, 52, kMaxSegments, "segments"));
    for (std::uint16_t j = 0; j < nseg; ++j) {
      fp::Segment s;
      for (double* d : {&s.query_start, &s.query_end, &s.ref_start, &s.ref_end, &s.bit_error_rate,
                        &s.e_value}) {
        SIGNET_ASSIGN_OR_RETURN(*d, r.F64());
      }
      SIGNET_ASSIGN_OR_RETURN(s.informative_positions, r.I32());
      f.match.segments.push_back(s);
    }
    out.found.push_back(std::move(f));
  }
  SIGNET_RETURN_IF_ERROR(r.End());
  return out;
}

}  // namespace signet::cluster
