// Time on the wire: microseconds since the Unix epoch (UTC), written as
// RFC 3339 in UTC. One definition for the registry (statement issued_at,
// answer times, terms `at=`), the CLI (the issued_at it signs) and signetd's
// access log.
//
// Accepted: "2026-11-23T12:00:00Z", an optional fraction of 1 to 9 digits
// (kept to the microsecond), "Z"/"z" or "+00:00"; years 1970-9999; real
// calendar dates. Anything else (other offsets, leap seconds, "24:00:00") is
// refused with a message that shows the expected form.
//
// Thread safety: pure functions (SystemNowMicros reads the system clock).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace signet::protocol {

// Microseconds since 1970-01-01T00:00:00Z.
using Micros = std::int64_t;

// The system clock now.
Micros SystemNowMicros();

Result<Micros> ParseRfc3339Utc(std::string_view text);

// How much of the second FormatRfc3339Utc writes.
enum class TimeFraction : std::uint8_t {
  kMicrosIfAny = 0,  // ".123456" when the time is not a whole second: answers, receipts
  kMillis,           // always ".123": signetd's access log
  kNone,             // truncated to the second: the issued_at the CLI signs
};

// "2026-11-23T12:00:00Z", "2026-11-23T12:00:00.123456Z", "2026-11-23T12:00:00.123Z".
// The fraction is truncated, never rounded, so a formatted time is never later
// than `t`. Parsing what this formats gives `t` back (kMicrosIfAny).
std::string FormatRfc3339Utc(Micros t, TimeFraction fraction = TimeFraction::kMicrosIfAny);

}  // namespace signet::protocol
