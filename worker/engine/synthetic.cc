#include "worker/engine/synthetic.h"

namespace hpo::engine {

Dataset MakeSyntheticRegression(int64_t n, Rng& rng) {
  Dataset data;
  data.features.resize(1, n);
  data.targets.resize(1, n);
  for (int64_t j = 0; j < n; ++j) {
    const double x = rng.Uniform(-1.0, 1.0);
    const double noise = rng.Normal(0.0, kSyntheticNoiseStddev);
    data.features(0, j) = static_cast<float>(x);
    data.targets(0, j) = static_cast<float>(kSyntheticSlope * x + kSyntheticIntercept + noise);
  }
  return data;
}

DataSplit MakeSyntheticRegressionSplit(int64_t train_examples, int64_t validation_examples,
                                       uint64_t seed) {
  Rng rng(seed, /*stream=*/0x5eed'da7a);
  DataSplit split;
  split.train = MakeSyntheticRegression(train_examples, rng);
  split.validation = MakeSyntheticRegression(validation_examples, rng);
  return split;
}

}  // namespace hpo::engine
