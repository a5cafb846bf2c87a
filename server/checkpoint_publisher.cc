#include "server/checkpoint_publisher.h"

#include <fmt/format.h>

#include <future>

#include "crypto/checkpoint.h"
#include "tools/signet/client/http_client.h"

namespace signet::server {

struct CheckpointPublisher::Witness {
  Witness(WitnessConfig c, client::ServerUrl url, client::ClientOptions o)
      : config(std::move(c)), http(std::move(url), o) {}
  WitnessConfig config;
  client::HttpClient http;             // used by one round at a time
  std::atomic<std::uint64_t> size{0};  // the size it last cosigned, as far as we know
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> cosignatures{0};
};

Result<WitnessConfig> ParseWitnessSetting(std::string_view text) {
  const std::string usage =
      "witness must be \"NAME VKEY URL\": a name, the witness's cosignature/v1 verifier key "
      "(name+hex8+base64 of 0x04 and the key) and its submission URL (http://host:port[/prefix])";
  std::vector<std::string_view> parts;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t b = text.find_first_not_of(" \t", at);
    if (b == std::string_view::npos) break;
    const std::size_t e = std::min(text.find_first_of(" \t", b), text.size());
    parts.push_back(text.substr(b, e - b));
    at = e;
  }
  if (parts.size() != 3) return Status::InvalidArgument(usage);
  if (parts[0].find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
      std::string_view::npos) {
    return Status::InvalidArgument("witness name \"" + std::string(parts[0]) +
                                   "\" may hold only letters, digits, '.', '_' and '-'");
  }
  Result<crypto::cosig::CosignatureVerifier> key =
      crypto::cosig::CosignatureVerifier::Parse(parts[1]);
  if (!key.ok()) return key.status().WithContext(usage);
  Result<client::ServerUrl> url = client::ParseServerUrl(parts[2]);
  if (!url.ok()) return url.status().WithContext("witness " + std::string(parts[0]) + " URL");
  return WitnessConfig{std::string(parts[0]), std::move(*key), std::string(parts[2])};
}

CheckpointPublisher::CheckpointPublisher(PublisherLog log, crypto::note::Verifier log_key,
                                         PublisherOptions options)
    : log_(std::move(log)), log_key_(std::move(log_key)), options_(std::move(options)) {
  client::ClientOptions co;
  co.connect_timeout = options_.request_timeout;
  co.io_timeout = options_.request_timeout;
  co.max_response_bytes = 64 << 10;
  co.user_agent = "signetd-witness-client";
  for (const WitnessConfig& w : options_.witnesses) {
    // ParseWitnessSetting checked the URL.
    witnesses_.push_back(std::make_unique<Witness>(w, client::ParseServerUrl(w.url).value(), co));
  }
}

CheckpointPublisher::~CheckpointPublisher() { Stop(); }

void CheckpointPublisher::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      Status st = PublishOnce();
      if (!st.ok() && options_.report) options_.report("witnessing: " + st.message());
      lock.lock();
      wake_.wait_for(lock, options_.interval, [this] { return stop_; });
    }
  });
}

void CheckpointPublisher::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<std::string> CheckpointPublisher::Cosign(Witness& w, const std::string& checkpoint,
                                                std::uint64_t size) {
  const std::string who = "witness " + w.config.name + " (" + w.config.url + ")";
  Status last;
  for (int attempt = 0; attempt < options_.attempts; ++attempt) {
    const std::uint64_t old = w.size.load();
    if (old > size) {
      return Status::FailedPrecondition(fmt::format(
          "{} has cosigned a tree of size {}, larger than this log's {}: it saw another view of "
          "this log (a fork) or the log was rolled back",
          who, old, size));
    }
    std::vector<crypto::Digest> proof;
    if (old != 0) {
      SIGNET_ASSIGN_OR_RETURN(proof, log_.consistency_proof(old, size));
    }
    Result<client::Response> res =
        w.http.Request("POST", "/add-checkpoint", "text/plain; charset=utf-8",
                       crypto::cosig::AddCheckpointRequest(old, proof, checkpoint));
    bool retry = false;
    if (!res.ok()) {
      last = res.status().WithContext(who);
      retry = true;
    } else if (res->status == 200) {
      // Keep only this witness's verified cosignatures: a line under another
      // witness's name that did not verify would make the published
      // checkpoint malformed for everyone who trusts that witness.
      std::string mine;
      std::string_view rest = res->body;
      while (!rest.empty()) {
        const std::size_t nl = rest.find('\n');
        const std::string line(rest.substr(0, nl == std::string_view::npos ? rest.size() : nl + 1));
        rest.remove_prefix(line.size());
        Result<std::string> one = crypto::cosig::AppendSignatureLines(checkpoint, line);
        Result<crypto::note::Note> parsed =
            one.ok() ? crypto::note::Parse(*one) : Result<crypto::note::Note>(one.status());
        if (!parsed.ok()) continue;
        auto by_it = crypto::cosig::VerifyCosignatures(*parsed, std::span(&w.config.key, 1));
        if (by_it.ok() && !by_it->empty()) mine += line;
      }
      if (mine.empty()) {
        return Status::Unauthenticated(who + " answered without a valid cosignature by its key " +
                                       w.config.key.ToText());
      }
      w.size = size;
      ++w.cosignatures;
      return mine;
    } else if (res->status == 409 && res->content_type.starts_with("text/x.tlog.size")) {
      Result<std::uint64_t> theirs = crypto::cosig::ParseTlogSize(res->body);
      if (!theirs.ok()) return theirs.status().WithContext(who);
      if (*theirs < old && old != 0) {
        return Status::FailedPrecondition(fmt::format(
            "{} now says it cosigned size {}, below the {} it cosigned before: it lost its state",
            who, *theirs, old));
      }
      w.size = *theirs;
      last = Status::FailedPrecondition(fmt::format("{} has cosigned size {}", who, *theirs));
      continue;  // a new old size, at once
    } else if (res->status >= 500 || res->status == 429) {
      last = Status::Unavailable(fmt::format("{} answered {}", who, res->status));
      retry = true;
    } else {
      // 400, 403, 404, 422: the witness refuses this checkpoint; asking again will not help.
      std::string body = res->body.substr(0, 300);
      while (!body.empty() && body.back() == '\n') body.pop_back();
      return Status::FailedPrecondition(fmt::format(
          "{} refused the checkpoint of size {} (HTTP {}{}): {}", who, size, res->status,
          res->status == 422   ? ", not consistent with what it cosigned"
          : res->status == 403 ? ", not signed by a log key it trusts"
          : res->status == 404 ? ", it does not know this log's origin"
                               : "",
          body));
    }
    if (retry && attempt + 1 < options_.attempts) {
      std::unique_lock lock(mu_);
      if (wake_.wait_for(lock, options_.backoff * (1 << attempt), [this] { return stop_; })) break;
    }
  }
  return last.ok() ? Status::Unavailable(who + ": no answer") : last;
}

Status CheckpointPublisher::PublishOnce() {
  const std::string latest = log_.latest_checkpoint();
  SIGNET_ASSIGN_OR_RETURN(crypto::Checkpoint cp, crypto::OpenCheckpoint(latest, log_key_));
  const std::string published = log_.published_checkpoint();
  const auto now = std::chrono::steady_clock::now();
  if (!published.empty()) {
    auto prev = crypto::OpenCheckpoint(published, log_key_);
    if (prev.ok()) published_size_ = prev->size;
    if (prev.ok() && prev->size == cp.size && now - last_published_ < options_.refresh) {
      return Status::Ok();
    }
  }
  std::vector<std::future<Result<std::string>>> answers;
  for (auto& w : witnesses_) {
    answers.push_back(std::async(std::launch::async, [this, &w, &latest, size = cp.size] {
      return Cosign(*w, latest, size);
    }));
  }
  std::string lines;
  std::size_t cosigned = 0;
  std::string errors;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    Result<std::string> a = answers[i].get();
    if (a.ok()) {
      lines += *a;
      ++cosigned;
    } else {
      ++witnesses_[i]->errors;
      errors += (errors.empty() ? "" : "; ") + a.status().message();
    }
  }
  if (cosigned < options_.quorum) {
    ++failed_rounds_;
    return Status::Unavailable(fmt::format(
        "the checkpoint of size {} was cosigned by {} of the {} witnesses required; {} stays "
        "published. {}",
        cp.size, cosigned, options_.quorum,
        published.empty() ? "no checkpoint" : "the previous checkpoint", errors));
  }
  SIGNET_ASSIGN_OR_RETURN(std::string note, crypto::cosig::AppendSignatureLines(latest, lines));
  SIGNET_RETURN_IF_ERROR(log_.publish(note));
  published_size_ = cp.size;
  last_published_ = now;
  if (!errors.empty() && options_.report) {
    options_.report(fmt::format("witnessing: published size {} with {} of {} cosignatures; {}",
                                cp.size, cosigned, witnesses_.size(), errors));
  }
  return Status::Ok();
}

std::vector<api::Metrics::Gauge> CheckpointPublisher::Gauges() const {
  std::vector<api::Metrics::Gauge> out;
  out.push_back({"signet_log_witnessed_size", "Tree size of the latest witnessed checkpoint.",
                 static_cast<double>(published_size_.load())});
  out.push_back({"signet_log_witness_failed_rounds",
                 "Publishing rounds that did not reach the witness quorum.",
                 static_cast<double>(failed_rounds_.load())});
  // Each family's series adjacent (the exposition format's rule).
  auto per_witness = [&](std::string_view family, std::string_view help, auto value) {
    bool first = true;
    for (const auto& w : witnesses_) {
      out.push_back({std::string(family) + "{witness=\"" + w->config.name + "\"}",
                     first ? std::string(help) : std::string(), static_cast<double>(value(*w))});
      first = false;
    }
  };
  per_witness("signet_log_witness_size", "Tree size each witness last cosigned.",
              [](const auto& w) { return w.size.load(); });
  per_witness("signet_log_witness_cosignatures", "Cosignatures received from each witness.",
              [](const auto& w) { return w.cosignatures.load(); });
  per_witness("signet_log_witness_errors", "Failed requests to each witness.",
              [](const auto& w) { return w.errors.load(); });
  return out;
}

}  // namespace signet::server
