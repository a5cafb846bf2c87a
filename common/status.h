// Status and Result<T>: errors as values at library boundaries.
//
// A Status is either OK or carries a Code and a message written for the person
// who has to fix the problem ("fingerprint is truncated at byte 17; send the
// whole string fpcalc printed"), and, when the error is about one field of the
// input, that field's path ("isrc", "credits[2].role"), so that a program can
// act on it without reading the message (HTTP clients get it as the problem
// document's "field" member, protocol/problem.h), and, when the error is
// about an existing work (a 409 "same recording as wk_..."), that work's id
// (the problem's "work_id" member). Result<T> holds a T or a non-OK Status.
// C++20 has no std::expected; this is the small subset Signet needs.
//
// Thread safety: values; no shared state.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace signet {

class Status {
 public:
  // Codes map onto HTTP statuses in api/ (see api/problem.h).
  enum class Code {
    kOk = 0,
    kInvalidArgument,     // malformed input: 400
    kUnauthenticated,     // bad or missing signature: 401
    kPermissionDenied,    // valid signature, not allowed to do this: 403
    kNotFound,            // 404
    kAlreadyExists,       // 409
    kFailedPrecondition,  // replay, stale seq, wrong state: 409
    kResourceExhausted,   // limits: size, duration, rate: 413/429
    kUnavailable,         // disk full, shutting down: 503
    kInternal,            // a bug or corrupt data: 500
    kIoError,             // file system / storage failure: 500
  };

  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {Code::kFailedPrecondition, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {Code::kResourceExhausted, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The offending input field's path; empty when the error is not about one field.
  const std::string& field() const { return field_; }

  // Returns a copy that names `path` as the offending input field.
  Status WithField(std::string path) const {
    Status s = *this;
    s.field_ = std::move(path);
    return s;
  }

  // The existing work the error is about ("wk_..."); empty when none.
  const std::string& work_id() const { return work_id_; }
  // Returns a copy that names `id` as the existing work the error is about.
  Status WithWorkId(std::string id) const {
    Status s = *this;
    s.work_id_ = std::move(id);
    return s;
  }

  // "invalid argument: <message>"
  std::string ToString() const {
    return ok() ? std::string("ok") : std::string(CodeName(code_)) + ": " + message_;
  }

  // Returns a copy whose message is prefixed with `context`: "context: message".
  Status WithContext(std::string_view context) const {
    if (ok()) return *this;
    Status s = *this;
    s.message_ = std::string(context) + ": " + message_;
    return s;
  }

  static std::string_view CodeName(Code c) {
    switch (c) {
      case Code::kOk:
        return "ok";
      case Code::kInvalidArgument:
        return "invalid argument";
      case Code::kUnauthenticated:
        return "unauthenticated";
      case Code::kPermissionDenied:
        return "permission denied";
      case Code::kNotFound:
        return "not found";
      case Code::kAlreadyExists:
        return "already exists";
      case Code::kFailedPrecondition:
        return "failed precondition";
      case Code::kResourceExhausted:
        return "resource exhausted";
      case Code::kUnavailable:
        return "unavailable";
      case Code::kInternal:
        return "internal error";
      case Code::kIoError:
        return "I/O error";
    }
    return "unknown";
  }

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_ && a.field_ == b.field_ &&
           a.work_id_ == b.work_id_;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string field_;
  std::string work_id_;
};

// Holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace signet

// Propagates a non-OK Status from an expression returning Status.
#define SIGNET_RETURN_IF_ERROR(expr) \
  do {                               \
    ::signet::Status _st = (expr);   \
    if (!_st.ok()) return _st;       \
  } while (0)

#define SIGNET_CONCAT_INNER_(a, b) a##b
#define SIGNET_CONCAT_(a, b) SIGNET_CONCAT_INNER_(a, b)

// SIGNET_ASSIGN_OR_RETURN(auto x, Expr()); returns the Status when Expr fails.
#define SIGNET_ASSIGN_OR_RETURN(lhs, expr) \
  SIGNET_ASSIGN_OR_RETURN_IMPL_(SIGNET_CONCAT_(_res_, __LINE__), lhs, expr)
#define SIGNET_ASSIGN_OR_RETURN_IMPL_(res, lhs, expr) \
  auto res = (expr);                                  \
  if (!res.ok()) return res.status();                 \
  lhs = std::move(res).value()
