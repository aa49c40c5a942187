// Case 1 of algorithms.md, shared by the AdamW tests: theta0 = [1, -0.5,
// 0.25, 2], weight decay 0.1, six steps with gradient [1, -2, 0.5, 3] *
// 0.3^(t-1), computed as torch computes it (each factor rounded to Scalar,
// then multiplied in Scalar).
#ifndef HPO_TESTS_ENGINE_ADAMW_CASE1_H_
#define HPO_TESTS_ENGINE_ADAMW_CASE1_H_

#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "worker/engine/adamw.h"

namespace hpo::engine {

// `lrs[t - 1]` is step t's learning rate; empty: every step takes options.lr
// (the Step overload without an lr).
template <typename Scalar>
std::vector<Scalar> RunCase1(AdamWOptions options, const std::vector<double>& lrs = {}) {
  options.weight_decay = 0.1;
  const AdamW adamw(options);
  std::vector<Scalar> theta = {Scalar(1), Scalar(-0.5), Scalar(0.25), Scalar(2)};
  const std::vector<double> base = {1, -2, 0.5, 3};
  AdamWState<Scalar> state = adamw.MakeState<Scalar>(4);
  for (int t = 1; t <= 6; ++t) {
    std::vector<Scalar> g(4);
    for (int i = 0; i < 4; ++i) {
      g[i] = static_cast<Scalar>(base[i]) * static_cast<Scalar>(std::pow(0.3, t - 1));
    }
    if (lrs.empty()) {
      adamw.Step(theta.data(), g.data(), state);
    } else {
      adamw.Step(lrs[t - 1], theta.data(), g.data(), state);
    }
  }
  EXPECT_EQ(state.step(), 6);
  return theta;
}

}  // namespace hpo::engine

#endif  // HPO_TESTS_ENGINE_ADAMW_CASE1_H_
