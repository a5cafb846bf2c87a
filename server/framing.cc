#include "server/framing.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

namespace signet::server {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

FramingCheck Refuse(int status, std::string detail) {
  FramingCheck c;
  c.ok = false;
  c.status = status;
  c.detail = std::move(detail);
  return c;
}

// Appends the elements of a comma-separated list value (empty elements are
// skipped, as RFC 9110 5.6.1 asks).
void SplitList(std::string_view value, std::vector<std::string_view>& out) {
  while (true) {
    const std::size_t comma = value.find(',');
    std::string_view item = TrimOws(value.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) return;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

std::size_t FindHeadEnd(std::string_view bytes) {
  for (std::size_t i = bytes.find('\n'); i != std::string_view::npos; i = bytes.find('\n', i + 1)) {
    // The empty line: "\n\n" or "\n\r\n" after a line.
    if (i + 1 < bytes.size() && bytes[i + 1] == '\n') return i + 2;
    if (i + 2 < bytes.size() && bytes[i + 1] == '\r' && bytes[i + 2] == '\n') return i + 3;
  }
  return 0;
}

FramingCheck CheckRequestFraming(std::string_view head) {
  // Split into lines, every one ending in CRLF.
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\r') {
      if (i + 1 >= head.size() || head[i + 1] != '\n') {
        return Refuse(400, "the request head has a bare CR; end every line with CRLF");
      }
      lines.push_back(head.substr(start, i - start));
      start = i + 2;
      ++i;
    } else if (head[i] == '\n') {
      return Refuse(400, "the request head has a bare LF; end every line with CRLF");
    } else if (head[i] == '\0') {
      return Refuse(400, "the request head contains a NUL byte");
    }
  }
  if (start != head.size() || lines.size() < 2 || !lines.back().empty()) {
    return Refuse(400, "the request head does not end with an empty line");
  }
  lines.pop_back();
  const std::string_view request_line = lines.front();
  const bool http10 = request_line.ends_with(" HTTP/1.0");

  int hosts = 0, content_lengths = 0;
  std::string_view content_length;
  bool has_te = false;
  std::vector<std::string_view> codings;
  for (std::size_t n = 1; n < lines.size(); ++n) {
    const std::string_view line = lines[n];
    if (line.front() == ' ' || line.front() == '\t') {
      return Refuse(400,
                    "the request head folds a field over several lines (obs-fold); send each "
                    "field on one line");
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Refuse(400, fmt::format("request field line {} has no field name and colon", n));
    }
    const std::string_view name = line.substr(0, colon);
    if (name.back() == ' ' || name.back() == '\t') {
      return Refuse(400, "whitespace between a field name and its colon is not allowed");
    }
    const std::string_view value = TrimOws(line.substr(colon + 1));
    if (IEquals(name, "host")) {
      ++hosts;
    } else if (IEquals(name, "content-length")) {
      ++content_lengths;
      content_length = value;
    } else if (IEquals(name, "transfer-encoding")) {
      has_te = true;
      SplitList(value, codings);
    }
  }
  if (!http10 && hosts != 1) {
    return Refuse(400, hosts == 0 ? "an HTTP/1.1 request needs a Host field"
                                  : "the request has more than one Host field");
  }

  FramingCheck ok;
  if (has_te) {
    if (http10) {
      return Refuse(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request");
    }
    if (content_lengths > 0) {
      return Refuse(400,
                    "the request has both Transfer-Encoding and Content-Length; send one of them");
    }
    if (codings.empty() || !IEquals(codings.back(), "chunked")) {
      return Refuse(400,
                    "the request's last transfer coding is not chunked, so its body length "
                    "cannot be told; send Transfer-Encoding: chunked or a Content-Length");
    }
    if (codings.size() > 1) {
      const bool chunked_twice =
          std::any_of(codings.begin(), codings.end() - 1,
                      [](std::string_view c) { return IEquals(c, "chunked"); });
      if (chunked_twice) return Refuse(400, "the request applies chunked more than once");
      return Refuse(501, fmt::format("transfer coding \"{}\" is not implemented; send the body "
                                     "with Transfer-Encoding: chunked alone",
                                     codings.front()));
    }
    ok.framing.body = Framing::Body::kChunked;
    return ok;
  }
  if (content_lengths > 1) {
    return Refuse(400, "the request has more than one Content-Length field; send one");
  }
  if (content_lengths == 1) {
    std::uint64_t n = 0;
    const char* end = content_length.data() + content_length.size();
    const bool digits =
        !content_length.empty() && std::all_of(content_length.begin(), content_length.end(),
                                               [](char c) { return c >= '0' && c <= '9'; });
    auto [p, ec] = std::from_chars(content_length.data(), end, n);
    if (!digits || ec != std::errc() || p != end) {
      return Refuse(400, fmt::format("Content-Length \"{}\" is not one decimal number",
                                     content_length.substr(0, 40)));
    }
    ok.framing.body = Framing::Body::kLength;
    ok.framing.length = n;
  }
  return ok;
}

FramingCheck CheckRequestStart(std::string_view bytes) {
  FramingCheck out;
  if (bytes.empty()) return out;
  const unsigned char c = static_cast<unsigned char>(bytes[0]);
  const bool token =
      std::isalnum(c) ||
      std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  // CR or LF: the start of an empty line before the request (skipped once whole).
  if (token || c == '\r' || c == '\n') return out;
  out.ok = false;
  out.status = 400;
  out.detail = c == 0x16 ? "this port speaks plain HTTP, not TLS: use an http:// URL, or "
                           "a TLS-terminating proxy in front of signetd for https://"
                         : "a request starts with its method (e.g. GET); this is not HTTP/1.1";
  return out;
}

}  // namespace signet::server
