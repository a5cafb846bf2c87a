// Submission: a signed statement as it arrives, parsed and checked as far as
// it can be before the writer: the DSSE envelope (crypto/dsse.h), its payload
// (registry/statement.h), its statement id, and whether its signature already
// verified with the key it must be signed with (registry/applier.h decides
// for good, against the state the statement is applied to). This is the
// share of Registry::Submit that runs on the submitter's thread, so that
// signature checks of one commit group run in parallel.
//
// Thread safety: values and pure functions; PreVerify reads the Store, which
// may be written meanwhile.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/dsse.h"
#include "crypto/ed25519.h"
#include "crypto/tiles.h"
#include "registry/overlap_finder.h"
#include "registry/statement.h"
#include "registry/store.h"

namespace signet::registry {

struct Submission {
  std::string envelope_json;  // the bytes as sent: the log leaf
  crypto::dsse::Envelope envelope;
  Statement statement;
  std::string statement_id;  // lowercase hex SHA-256 of envelope_json
  // The key the signature verified with before the writer, if any.
  std::optional<crypto::PublicKey> verified_with;
  // work.register whose signature verified: the dispute search so far.
  std::optional<EarlySearch> early_search;
};

// The log serves its entries as C2SP tlog-tiles entry bundles, whose 16-bit
// length prefix holds at most 65,535 bytes (crypto/tiles.h): a larger
// envelope could never be served, so it is refused (registry/STATEMENTS.md).
inline constexpr std::size_t kMaxEnvelopeBytes = crypto::tiles::kMaxEntryBytes;
// ResourceExhausted naming the limit and what it means for a registration.
Status EnvelopeTooLarge(std::size_t bytes);

// Parses the envelope and its payload (issued_at at most `max_skew_micros`
// after `now`) and names the statement. InvalidArgument says what is wrong.
Result<Submission> ParseSubmission(std::string_view envelope_json, Micros now,
                                   Micros max_skew_micros);

// Verifies the signature now, off the writer: an artist.register with the key
// it registers (Unauthenticated when it does not verify), any other statement
// with the artist's current key in `store` (when that fails, nothing is set and
// the applier gives the reason). Sets verified_with.
Status PreVerify(Submission& s, const Store& store);

}  // namespace signet::registry
