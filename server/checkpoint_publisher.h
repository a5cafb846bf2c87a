// CheckpointPublisher: gets the log's checkpoints cosigned by witnesses (C2SP
// tlog-witness add-checkpoint, tlog-cosignature/v1) and publishes the newest
// one that enough of them cosigned. The cadence and policy are in
// crypto/LOG.md ("Witnessing"):
//
//  - The registry signs a checkpoint for every commit group (receipts carry
//    it). Every `interval`, if the log grew since the last published
//    checkpoint (or that one is older than `refresh`), the publisher sends
//    the latest signed checkpoint to every witness at once, each with a
//    consistency proof from the size that witness last cosigned.
//  - A witness's size starts unknown (0) and is learnt from its 409 answer
//    (text/x.tlog.size), as the spec allows; a witness whose size exceeds the
//    log's, or that answers 422 (inconsistent), is reported and skipped for
//    the round. Transport errors and 5xx are retried with exponential backoff
//    (`attempts` tries, `backoff` doubling).
//  - When at least `quorum` witnesses returned a verified cosignature, the
//    checkpoint with every cosignature collected is handed to `publish`
//    (which makes it durable and serves it at /v1/log/checkpoint).
//    Otherwise the previous published checkpoint stays.
//
// Ownership: the publisher owns one HTTP client per witness and its thread.
// Thread safety: Start/Stop/PublishOnce from one owner thread; Gauges from
// any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api/metrics.h"
#include "common/status.h"
#include "crypto/cosignature.h"
#include "crypto/note.h"
#include "crypto/sha256.h"

namespace signet::server {

struct WitnessConfig {
  std::string name;                        // the config's name for it (logs, metrics)
  crypto::cosig::CosignatureVerifier key;  // its cosignature/v1 verifier key
  std::string url;                         // submission prefix; POST <url>/add-checkpoint
};

struct PublisherOptions {
  std::vector<WitnessConfig> witnesses;
  std::size_t quorum = 1;
  std::chrono::milliseconds interval{std::chrono::seconds(10)};
  std::chrono::milliseconds refresh{std::chrono::minutes(5)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  int attempts = 4;
  std::chrono::milliseconds backoff{200};
  // Told why a round did not publish, and when one published without some
  // witness (signetd prints it on stderr).
  std::function<void(const std::string&)> report;
};

// What the publisher needs of the log (the registry, in signetd).
struct PublisherLog {
  std::function<std::string()> latest_checkpoint;  // signed note
  std::function<Result<std::vector<crypto::Digest>>(std::uint64_t, std::uint64_t)>
      consistency_proof;
  std::function<std::string()> published_checkpoint;  // "" before the first
  std::function<Status(const std::string&)> publish;
};

class CheckpointPublisher {
 public:
  CheckpointPublisher(PublisherLog log, crypto::note::Verifier log_key, PublisherOptions options);
  ~CheckpointPublisher();  // Stop()
  CheckpointPublisher(const CheckpointPublisher&) = delete;
  CheckpointPublisher& operator=(const CheckpointPublisher&) = delete;

  // Runs rounds every `interval` on a thread of its own, the first at once.
  void Start();
  // Wakes and joins the thread (a round in flight finishes first).
  void Stop();
  // One round now, on the caller's thread: OK when a checkpoint was published
  // or nothing needed publishing; otherwise why not (too few cosignatures,
  // the witnesses' errors).
  Status PublishOnce();

  // For /metrics: per witness, the size it last cosigned and its error count;
  // the published size and the rounds that failed to reach the quorum.
  std::vector<api::Metrics::Gauge> Gauges() const;

 private:
  struct Witness;
  Result<std::string> Cosign(Witness& w, const std::string& checkpoint, std::uint64_t size);

  PublisherLog log_;
  crypto::note::Verifier log_key_;
  PublisherOptions options_;
  std::vector<std::unique_ptr<Witness>> witnesses_;
  std::chrono::steady_clock::time_point last_published_{};
  std::atomic<std::uint64_t> published_size_{0};
  std::atomic<std::uint64_t> failed_rounds_{0};

  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

// Parses a `witness` setting: "NAME VKEY URL" (tlog-policy's witness line
// order), VKEY a cosignature/v1 verifier key, URL http://host[:port][/prefix].
Result<WitnessConfig> ParseWitnessSetting(std::string_view text);

}  // namespace signet::server
