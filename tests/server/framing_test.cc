// The RFC 9112 framing rules of server/framing.h, one row per rule.
#include "server/framing.h"

#include <gtest/gtest.h>

namespace signet::server {
namespace {

FramingCheck Check(std::string_view fields, std::string_view version = "HTTP/1.1") {
  std::string head =
      "POST /v1/match " + std::string(version) + "\r\n" + std::string(fields) + "\r\n";
  return CheckRequestFraming(head);
}

TEST(FramingTest, WellFramedHeadsSayWhereTheBodyEnds) {
  auto none = Check("Host: x\r\n");
  ASSERT_TRUE(none.ok) << none.detail;
  EXPECT_EQ(none.framing.body, Framing::Body::kNone);
  auto length = Check("Host: x\r\nContent-Length: 42\r\n");
  ASSERT_TRUE(length.ok);
  EXPECT_EQ(length.framing.body, Framing::Body::kLength);
  EXPECT_EQ(length.framing.length, 42u);
  auto chunked = Check("Host: x\r\ntransfer-encoding:  Chunked \r\n");
  ASSERT_TRUE(chunked.ok);
  EXPECT_EQ(chunked.framing.body, Framing::Body::kChunked);
  EXPECT_TRUE(Check("Content-Length: 0\r\n", "HTTP/1.0").ok);  // no Host needed in 1.0
}

TEST(FramingTest, EveryAmbiguousFramingIsRefused) {
  struct Row {
    const char* fields;
    int status;
  };
  for (const Row& row : std::initializer_list<Row>{
           {"Host: x\r\nTransfer-Encoding: xchunked\r\n", 400},
           {"Host: x\r\nTransfer-Encoding: chunked, identity\r\n", 400},
           {"Host: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", 400},
           {"Host: x\r\nTransfer-Encoding: chunked, chunked\r\n", 400},
           {"Host: x\r\nTransfer-Encoding:\r\n", 400},
           {"Host: x\r\nTransfer-Encoding: gzip, chunked\r\n", 501},
           {"Host: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n", 400},
           {"Host: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n", 400},
           {"Host: x\r\nContent-Length: 1, 2\r\n", 400},
           {"Host: x\r\nContent-Length: -1\r\n", 400},
           {"Host: x\r\nContent-Length: 99999999999999999999999\r\n", 400},
           {"Host: x\r\nContent-Length: \r\n", 400},
           {"Host: x\r\nX: a\r\n\tb\r\n", 400},
           {"Host: x\r\nContent-Length : 1\r\n", 400},
           {"Host: x\r\nHost: y\r\n", 400},
           {"X: y\r\n", 400},
       }) {
    SCOPED_TRACE(row.fields);
    auto c = Check(row.fields);
    EXPECT_FALSE(c.ok);
    EXPECT_EQ(c.status, row.status);
    EXPECT_FALSE(c.detail.empty());
  }
  auto te10 = Check("Transfer-Encoding: chunked\r\n", "HTTP/1.0");
  EXPECT_FALSE(te10.ok);
  EXPECT_EQ(te10.status, 400);
}

TEST(FramingTest, LinesEndInCrLfOnly) {
  EXPECT_FALSE(CheckRequestFraming("GET / HTTP/1.1\nHost: x\n\n").ok);
  EXPECT_FALSE(CheckRequestFraming("GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n").ok);
  EXPECT_FALSE(CheckRequestFraming(std::string("GET / HTTP/1.1\r\nHost: \0x\r\n\r\n", 28)).ok);
  EXPECT_TRUE(CheckRequestFraming("GET / HTTP/1.1\r\nHost: x\r\n\r\n").ok);
}

// A client speaking TLS to this plain port sends a ClientHello (byte 22) and
// waits for a ServerHello: refused at its first byte, not at header_timeout.
TEST(FramingTest, BytesNoRequestStartsWithAreRefusedAtOnce) {
  EXPECT_TRUE(CheckRequestStart("").ok);
  EXPECT_TRUE(CheckRequestStart("G").ok);
  EXPECT_TRUE(CheckRequestStart("POST /v1/match HT").ok);
  EXPECT_TRUE(CheckRequestStart("M-SEARCH * HTTP/1.1").ok);  // any token is a method
  EXPECT_TRUE(CheckRequestStart("\r").ok);  // an empty line's CR, its LF still to come
  const FramingCheck tls = CheckRequestStart(std::string_view("\x16\x03\x01\x02\x00\x01", 6));
  EXPECT_FALSE(tls.ok);
  EXPECT_EQ(tls.status, 400);
  EXPECT_NE(tls.detail.find("not TLS"), std::string::npos) << tls.detail;
  for (std::string_view bad : {std::string_view("\0GET", 4), std::string_view(" GET /"),
                               std::string_view("{\"json\":1}"), std::string_view("\xff\xfe")}) {
    const FramingCheck c = CheckRequestStart(bad);
    EXPECT_FALSE(c.ok) << bad;
    EXPECT_EQ(c.status, 400);
  }
}

TEST(FramingTest, FindsTheEndOfAHeadEvenWithBareLineFeeds) {
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"), 27u);
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\nHost: x\n\nbody"), 24u);
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\nHost: x\r\n"), 0u);
}

}  // namespace
}  // namespace signet::server
