// The web app signetd serves at "/": an api::Handler that sits in front of
// another one (the API) and answers GET requests for the app's files, which
// were embedded at build time from web/static/ (web/README.md describes the
// app and its security headers).
//
// Precedence: a request the inner handler routes (any /v1, /v2, /healthz, ...
// path, with any method) always goes to it; only paths it does not route and
// that name an embedded file are served here ("/" is index.html). Everything
// else is passed through too, so unknown paths keep the API's problem+json 404.
//
// Every file is sent with its media type, a strong ETag (from its SHA-256),
// Cache-Control: no-cache (the browser revalidates and gets 304 while the
// file is unchanged: the file names carry no version, so nothing may be cached
// blindly across a signetd upgrade) and a strict Content-Security-Policy.
//
// Ownership: borrows the inner handler, which must outlive it.
// Thread safety: immutable after construction; every member may be called
// from many threads at once, as api::Handler requires.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "api/http.h"
#include "common/embedded_file.h"

namespace signet::web {

// The Content-Security-Policy of every file: scripts, styles, images and
// connections only from this origin; no inline script or style, no plugins,
// no framing, no form posts elsewhere.
extern const std::string_view kContentSecurityPolicy;

// The media type served for `path` (by its extension).
std::string_view ContentTypeFor(std::string_view path);

class WebApp : public api::Handler {
 public:
  explicit WebApp(api::Handler& inner);
  WebApp(const WebApp&) = delete;
  WebApp& operator=(const WebApp&) = delete;

  api::RouteInfo Classify(std::string_view method, std::string_view target) const override;
  api::Response Handle(const api::Request& request) override;
  api::Response HandleStream(const api::Request& head, api::BodyReader& body,
                             api::ResponseStream& out) override;
  void Observe(const api::Completed& completed) override;

  // The embedded file a request path names ("/" is index.html), or null.
  const EmbeddedFile* Find(std::string_view path) const;

 private:
  api::Response Serve(const api::Request& request, const EmbeddedFile& file) const;

  api::Handler& inner_;
  std::map<std::string, const EmbeddedFile*, std::less<>> by_path_;  // "/js/main.js" -> file
};

}  // namespace signet::web
