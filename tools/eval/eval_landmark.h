// signet-eval's matchers built on the landmark print: "landmark" (that print
// alone) and "fused" (both prints and Chromaprint's speed variants, merged by
// fp::Fuse, as signetd answers an audio query). eval_matcher.h has the
// interface.
//
// Thread safety: as EvalMatcher.
#pragma once

#include <memory>

#include "tools/eval/eval_matcher.h"

namespace signet::eval {

std::unique_ptr<EvalMatcher> MakeLandmarkEvalMatcher(const EvalMatcherOptions& options);
std::unique_ptr<EvalMatcher> MakeFusedEvalMatcher(const EvalMatcherOptions& options);

}  // namespace signet::eval
