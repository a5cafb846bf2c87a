#include "tests/faults/fault_support.h"

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>

#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "registry/testing/statements.h"
#include "tests/server/test_client.h"

namespace signet::faults {

namespace bj = boost::json;
using registry::testing::TestArtist;
using registry::testing::WorkSpec;

RegistrationLoad::RegistrationLoad(int clients, std::uint8_t first_seed,
                                   std::size_t fingerprint_values)
    : clients_(clients), first_seed_(first_seed), fingerprint_values_(fingerprint_values) {}

RegistrationLoad::~RegistrationLoad() { Stop(); }

void RegistrationLoad::Start() {
  for (int i = 0; i < clients_; ++i) threads_.emplace_back([this, i] { Client(i); });
}

void RegistrationLoad::Stop() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

LoadFigures RegistrationLoad::figures() const {
  std::lock_guard lock(mu_);
  return {acked_.size(), refused_.load(), no_answer_.load()};
}

std::vector<Acknowledged> RegistrationLoad::acknowledged() const {
  std::lock_guard lock(mu_);
  return acked_;
}

void RegistrationLoad::Client(int n) {
  const auto seed = static_cast<std::uint8_t>(first_seed_ + n);
  TestArtist artist = TestArtist::FromSeedByte(seed, "Fault client " + std::to_string(n));
  bool registered = false;
  std::uint64_t next_work = 0;
  while (!stop_) {
    const std::uint16_t port = port_.load();
    if (port == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    Acknowledged a;
    if (!registered) {
      a.envelope = artist.Register();
    } else {
      WorkSpec spec;
      spec.title = "fault work " + std::to_string(next_work);
      a.fingerprint = registry::testing::RandomFingerprint((std::uint64_t{seed} << 32) | next_work,
                                                           fingerprint_values_);
      spec.values = a.fingerprint;
      a.envelope = artist.RegisterWork(spec);
    }
    testing::HttpReply r = testing::Fetch(port, "POST", "/v1/statements", a.envelope,
                                          {{"Content-Type", "application/json"}});
    if (pause_.count() > 0) std::this_thread::sleep_for(pause_);
    if (r.status == 0) {
      ++no_answer_;
      // Killed mid-request: the statement may or may not be in. The next one
      // is signed afresh (next seq) for another recording, so an
      // acknowledgement always names the leaf of the statement it answers.
      if (registered) ++next_work;
      continue;
    }
    if (r.status != 201) {
      ++refused_;
      // The registration was committed but its answer lost in a kill.
      if (!registered && r.status == 409) registered = true;
      continue;
    }
    bj::error_code ec;
    bj::value v = bj::parse(r.body, ec);
    if (ec || !v.is_object()) {
      ++refused_;
      continue;
    }
    a.log_index = v.at("log_index").to_number<std::uint64_t>();
    if (registered) {
      a.work_id = std::string(v.at("work_id").as_string());
      ++next_work;
    }
    registered = true;
    std::lock_guard lock(mu_);
    acked_.push_back(std::move(a));
  }
}

namespace {

// RFC 9162 section 2.1.1, straight from the definition (independent of the
// server's stored nodes): MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])),
// k the largest power of two smaller than n.
crypto::Digest Mth(const std::vector<crypto::Digest>& leaves, std::size_t begin, std::size_t end) {
  if (end - begin == 1) return leaves[begin];
  std::size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return crypto::merkle::NodeHash(Mth(leaves, begin, begin + k), Mth(leaves, begin + k, end));
}

// Requests over one keep-alive connection, reconnecting when the server closes it.
class Client {
 public:
  explicit Client(std::uint16_t port) : port_(port) {}
  std::optional<testing::HttpReply> Call(std::string_view method, std::string_view target,
                                         std::string_view body = {}) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!conn_) conn_ = std::make_unique<testing::TestConnection>(port_);
      std::optional<testing::HttpReply> r;
      if (conn_->Send(testing::BuildRequest(method, target, body, headers))) r = conn_->Read();
      if (!r || !r->keep_alive) conn_.reset();
      if (r) return r;
    }
    return std::nullopt;
  }

 private:
  std::uint16_t port_;
  std::unique_ptr<testing::TestConnection> conn_;
};

}  // namespace

Verification VerifyAcknowledged(std::uint16_t port, const std::vector<Acknowledged>& acked,
                                std::size_t max_match) {
  Verification v;
  auto fail = [&v](std::string what) {
    v.ok = false;
    if (v.problems.size() < 20) v.problems.push_back(std::move(what));
  };
  testing::HttpReply key = testing::Fetch(port, "GET", "/v1/log/key");
  testing::HttpReply note = testing::Fetch(port, "GET", "/v1/log/checkpoint");
  if (key.status != 200 || note.status != 200) {
    fail("log key/checkpoint not served: " + std::to_string(key.status) + "/" +
         std::to_string(note.status));
    return v;
  }
  std::string_view key_text = key.body;
  while (!key_text.empty() && key_text.back() == '\n') key_text.remove_suffix(1);
  auto verifier = crypto::note::Verifier::Parse(key_text);
  if (!verifier.ok()) {
    fail("verifier key: " + verifier.status().ToString());
    return v;
  }
  auto checkpoint = crypto::OpenCheckpoint(note.body, *verifier);
  if (!checkpoint.ok()) {
    fail("checkpoint does not verify: " + checkpoint.status().ToString());
    return v;
  }
  v.log_size = checkpoint->size;

  Client client(port);
  std::vector<crypto::Digest> leaves;
  std::vector<std::string> entries;
  for (std::uint64_t i = 0; i < checkpoint->size; ++i) {
    auto r = client.Call("GET", "/v1/log/entries/" + std::to_string(i));
    if (!r || r->status != 200) {
      fail("log entry " + std::to_string(i) + " not served");
      return v;
    }
    leaves.push_back(crypto::merkle::LeafHash(std::string_view(r->body)));
    entries.push_back(std::move(r->body));
  }
  crypto::Digest root =
      leaves.empty() ? crypto::merkle::EmptyRoot() : Mth(leaves, 0, leaves.size());
  if (root != checkpoint->root) fail("root recomputed from the leaves != checkpoint root");

  for (const Acknowledged& a : acked) {
    ++v.statements_checked;
    if (a.log_index >= entries.size()) {
      fail("acknowledged log index " + std::to_string(a.log_index) +
           " beyond the checkpoint size " + std::to_string(entries.size()));
      continue;
    }
    if (entries[a.log_index] != a.envelope) {
      fail("log entry " + std::to_string(a.log_index) + " is not the acknowledged envelope");
    }
    if (!a.work_id.empty()) {
      auto w = client.Call("GET", "/v1/works/" + a.work_id);
      if (!w || w->status != 200) fail("acknowledged work " + a.work_id + " is not served");
    }
  }

  // A start-up that found no usable persisted index rebuilds it while it
  // serves (answers flagged partial): match once it is complete, up to 60 s.
  for (int i = 0; i < 600; ++i) {
    auto h = client.Call("GET", "/healthz");
    bj::error_code ec;
    const bj::value doc = h ? bj::parse(h->body, ec) : bj::value();
    if (!ec && doc.is_object() && doc.as_object().contains("index_complete") &&
        doc.at("index_complete").as_bool()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::size_t matched = 0;
  for (const Acknowledged& a : acked) {
    if (a.work_id.empty()) continue;
    if (max_match != 0 && matched >= max_match) break;
    ++matched;
    bj::array values;
    for (std::uint32_t x : a.fingerprint) values.emplace_back(x);
    auto m = client.Call("POST", "/v1/match", bj::serialize(bj::object{{"fingerprint", values}}));
    bool found = false;
    if (m && m->status == 200) {
      bj::error_code ec;
      bj::value doc = bj::parse(m->body, ec);
      if (!ec) {
        for (const bj::value& x : doc.at("matches").as_array()) {
          found = found || x.at("work").at("id").as_string() == a.work_id;
        }
      }
    }
    if (found) {
      ++v.works_matched;
    } else {
      fail("match did not find " + a.work_id + " (status " + std::to_string(m ? m->status : 0) +
           ")");
    }
  }
  return v;
}

}  // namespace signet::faults
