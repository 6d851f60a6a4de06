// Counter-based random fills of a whole typed array. Each returns the Philox blocks it
// consumed, so the JS generator adds that to its offset and its next fill continues the
// stream. Seed and offset are non-negative safe integers (< 2^53).
#include <cmath>
#include <string>

#include "addon/args.h"
#include "addon/bindings.h"
#include "kernels/random/random.h"

namespace kiln::addon {
namespace {

struct Common {
  std::uint64_t seed, offset;
};

Common common(const Args& args) {
  return {static_cast<std::uint64_t>(args.size(1, "seed")), static_cast<std::uint64_t>(args.size(2, "offset"))};
}

// Calls fill(span) with the Float32Array or Float64Array at argument 0.
template <class F>
std::uint64_t on_float_out(const Args& args, F&& fill) {
  if (args.float_dtype(0, "out") == DType::Float32) return fill(args.array<float>(0, "out"));
  return fill(args.array<double>(0, "out"));
}

Napi::Value uniform(const Napi::CallbackInfo& info) {
  Args args(info, "randomUniform", 5);
  const Common c = common(args);
  const double low = args.finite_number(3, "low"), high = args.finite_number(4, "high");
  if (!(low < high) || !std::isfinite(high - low)) {
    args.range_error("needs low < high with a finite width, got low " + format_number(low) + " and high " + format_number(high));
  }
  return Napi::Number::New(info.Env(), static_cast<double>(on_float_out(args, [&](auto out) {
    return random::uniform_fill(out.data, out.length, c.seed, c.offset, low, high);
  })));
}

Napi::Value normal(const Napi::CallbackInfo& info) {
  Args args(info, "randomNormal", 5);
  const Common c = common(args);
  const double mean = args.finite_number(3, "mean"), std = args.finite_number(4, "std");
  if (std < 0) args.range_error("argument 'std' must be >= 0, got " + format_number(std));
  return Napi::Number::New(info.Env(), static_cast<double>(on_float_out(args, [&](auto out) {
    return random::normal_fill(out.data, out.length, c.seed, c.offset, mean, std);
  })));
}

Napi::Value bernoulli(const Napi::CallbackInfo& info) {
  Args args(info, "randomBernoulli", 4);
  const Common c = common(args);
  const double p = args.finite_number(3, "p");
  if (p < 0 || p > 1) args.range_error("argument 'p' must be in [0, 1], got " + format_number(p));
  return Napi::Number::New(info.Env(), static_cast<double>(on_float_out(args, [&](auto out) {
    return random::bernoulli_fill(out.data, out.length, c.seed, c.offset, p);
  })));
}

Napi::Value randint(const Napi::CallbackInfo& info) {
  Args args(info, "randomInt", 5);
  const Span<std::int32_t> out = args.array<std::int32_t>(0, "out");
  const Common c = common(args);
  const std::int64_t low = args.integer(3, "low"), high = args.integer(4, "high");
  constexpr std::int64_t kMin = -(std::int64_t{1} << 31), kLimit = std::int64_t{1} << 31;
  if (low < kMin || low >= kLimit) args.range_error("argument 'low' must be an int32, got " + std::to_string(low));
  if (high <= low || high > kLimit) {
    args.range_error("argument 'high' must be in (low, 2^31], got low " + std::to_string(low) + " and high " +
                     std::to_string(high));
  }
  return Napi::Number::New(info.Env(),
                           static_cast<double>(random::randint_fill(out.data, out.length, c.seed, c.offset, low, high)));
}

}  // namespace

void register_random(Napi::Env env, Napi::Object exports) {
  set_function(env, exports, "randomUniform", uniform);
  set_function(env, exports, "randomNormal", normal);
  set_function(env, exports, "randomBernoulli", bernoulli);
  set_function(env, exports, "randomInt", randint);
}

}  // namespace kiln::addon
