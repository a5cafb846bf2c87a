// StatementApplier: the registry's state machine. It takes a Submission
// (registry/submission.h) in two steps, so that one node can decide and many
// can apply (DESIGN.md "One machine, then many"):
//
//   Decide  checks the statement against the state it is applied to and
//           fixes everything that depends on that state, on time or on the
//           fingerprint index: duplicate statement, the artist exists (or not,
//           for artist.register), the signature verifies with the artist's
//           current key, seq is fresh, a rotated key is new, the work or
//           dispute exists and belongs to the signer, dispute rules; and, in
//           the Decision, the log index, the acceptance time and the works a
//           work.register opens disputes with. Every rejection is a
//           Status for the submitter (registry/registry.h lists the codes).
//   Apply   writes the decided statement into an Overlay: the records it
//           changes (STORAGE.md), its history and terms-history entries, its
//           log leaf and the Merkle nodes it completes, its statement id;
//           updates the counters; and says what the fingerprint index must
//           do. A function of (state, submission, decision) only: a replica
//           that applies the same decided statements to the same state in the
//           same order writes byte-identical records and the same Merkle tree.
//
// A Decision is small and can travel beside the envelope bytes (a replicated
// stream): a replica parses the envelope again (ParseSubmission with now =
// accepted_at) and calls Apply without Decide, without the index's search and
// without a clock. Apply re-reads what it changes and answers Internal when
// the state does not hold what the decision assumed (a diverged replica).
//
// The applier never writes to the Store or the index itself: the caller
// merges the Overlay into its batch and performs the IndexUpdate.
//
// Thread safety: Decide and Apply are const and keep no state; an Overlay is
// not thread-safe, so one thread applies at a time per Overlay.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "common/status.h"
#include "fingerprint/landmark.h"
#include "registry/model.h"
#include "registry/overlap_finder.h"
#include "registry/overlay.h"
#include "registry/records.h"
#include "registry/submission.h"

namespace signet::registry {

// What deciding a statement fixed; with the envelope bytes, all Apply needs.
struct Decision {
  std::uint64_t log_index = 0;  // the leaf the statement becomes
  Micros accepted_at = 0;       // server acceptance time (terms history, records)
  // work.register that makes a work live: the other artists' live works whose
  // recording it matches and with which no dispute is open, in the order the
  // disputes open, each with the matcher's score. Empty otherwise.
  std::vector<Overlap> disputes;
  friend bool operator==(const Decision&, const Decision&) = default;
};

// What the fingerprint index must do for an applied statement.
struct IndexUpdate {
  // work.register that made a work live: index the statement's fingerprint
  // (WorkRegisterBody::fingerprint_values) under this ref for the work.
  std::optional<std::uint64_t> add_ref;
  // work.withdraw: drop this ref (both prints) once the statement is durable.
  std::optional<std::uint64_t> remove_ref;
  // Index this landmark print under the work's ref, replacing one indexed
  // before: a work.register that carries one (a new work, or an existing one
  // gaining or replacing its print), or one that revives a withdrawn work
  // whose print is stored.
  std::optional<std::uint64_t> landmark_ref;
  std::shared_ptr<const fp::LandmarkPrint> landmark;
};

struct Applied {
  Accepted accepted;  // receipt not filled: the writer names the tree
  IndexUpdate index;
};

class StatementApplier {
 public:
  // REQUIRES: `finder` outlives the applier.
  explicit StatementApplier(const OverlapFinder& finder) : finder_(finder) {}

  // Checks `s` against the state `o` sees; the statement would become leaf
  // `log_index`, accepted at `now`.
  Result<Decision> Decide(const Submission& s, const Overlay& o, std::uint64_t log_index,
                          Micros now) const;

  // REQUIRES: `d` decided for `s` against the state `o` sees now.
  Result<Applied> Apply(const Submission& s, const Decision& d, Overlay& o,
                        records::Counters& counters) const;

 private:
  Result<std::vector<Overlap>> DecideDisputes(const WorkRegisterBody& b, const Artist& artist,
                                              const EarlySearch* early, const Overlay& o) const;

  const OverlapFinder& finder_;
};

}  // namespace signet::registry
