// The transport's per-client bookkeeping without sockets: trusted proxies and
// X-Forwarded-For, the shared request-body memory budget, per-client streams.
#include <gtest/gtest.h>

#include "server/memory_budget.h"
#include "server/rate_limiter.h"
#include "server/trusted_proxies.h"

namespace signet::server {
namespace {

TEST(TrustedProxiesTest, ForwardedForCountsOnlyFromATrustedProxy) {
  auto p = TrustedProxies::Parse("10.0.0.0/8, 192.0.2.1,::1, 2001:db8::/32");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_TRUE(p->Contains("10.200.3.4"));
  EXPECT_TRUE(p->Contains("::ffff:10.1.2.3"));  // v4-mapped
  EXPECT_TRUE(p->Contains("192.0.2.1"));
  EXPECT_FALSE(p->Contains("192.0.2.2"));
  EXPECT_TRUE(p->Contains("2001:db8:1::5"));
  EXPECT_FALSE(p->Contains("2001:db9::5"));
  // From an untrusted peer, X-Forwarded-For is the client's own claim.
  EXPECT_EQ(p->ClientFor("198.51.100.9", {"203.0.113.5"}), "198.51.100.9");
  // From a proxy: the rightmost hop that is not a trusted proxy.
  EXPECT_EQ(p->ClientFor("10.0.0.1", {"203.0.113.5, 198.51.100.7, 10.9.9.9"}), "198.51.100.7");
  EXPECT_EQ(p->ClientFor("10.0.0.1", {"203.0.113.5", "10.1.1.1"}), "203.0.113.5");
  EXPECT_EQ(p->ClientFor("10.0.0.1", {}), "10.0.0.1");
  EXPECT_EQ(p->ClientFor("10.0.0.1", {"garbage, 10.2.2.2"}), "10.2.2.2");
  EXPECT_TRUE(TrustedProxies::Parse("").ok());
  EXPECT_FALSE(TrustedProxies::Parse("10.0.0.0/33").ok());
  EXPECT_FALSE(TrustedProxies::Parse("example.com").ok());
}

TEST(MemoryBudgetTest, ReservationsShareOneLimitAndReturnWhatTheyHeld) {
  MemoryBudget budget(100);
  {
    MemoryBudget::Reservation a(budget), b(budget);
    EXPECT_TRUE(a.GrowTo(60));
    EXPECT_FALSE(b.GrowTo(50));  // would go past 100 together
    EXPECT_EQ(b.held(), 0u);
    EXPECT_TRUE(b.GrowTo(40));
    EXPECT_EQ(budget.used(), 100u);
  }
  EXPECT_EQ(budget.used(), 0u);
}

TEST(RateLimiterTest, StreamsArePerClient) {
  RateLimitOptions o;
  o.max_streams_per_client = 2;
  RateLimiter limiter(o);
  EXPECT_TRUE(limiter.OpenStream("a"));
  EXPECT_TRUE(limiter.OpenStream("a"));
  EXPECT_FALSE(limiter.OpenStream("a"));
  EXPECT_TRUE(limiter.OpenStream("b"));
  limiter.CloseStream("a");
  EXPECT_TRUE(limiter.OpenStream("a"));
}

}  // namespace
}  // namespace signet::server
