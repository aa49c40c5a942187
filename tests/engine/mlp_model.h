// Test helpers: the trainer's MLP (linear layers with an activation, and
// dropout when p > 0, after every hidden one) as a Sequential, and views of
// its linear layers' weights and biases in the parameter buffer.
#ifndef HPO_TESTS_ENGINE_MLP_MODEL_H_
#define HPO_TESTS_ENGINE_MLP_MODEL_H_

#include <Eigen/Core>
#include <cstdint>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "worker/engine/layer_config.h"
#include "worker/engine/sequential.h"

namespace hpo::engine {

// `widths` is {inputs, hidden..., outputs}. Fails the test and returns a
// one-layer model when the layers cannot be made.
template <typename Scalar>
Sequential<Scalar> MakeMlp(const std::vector<int>& widths, Activation activation, int max_batch,
                           double dropout = 0.0) {
  const std::vector<int> hidden(widths.begin() + 1, widths.end() - 1);
  auto layers = BuildLayers<Scalar>(Shape{widths.front(), 1, 1},
                                    MlpLayers(hidden, activation, dropout, widths.back()));
  EXPECT_TRUE(layers.ok()) << layers.status();
  if (!layers.ok()) layers = BuildLayers<Scalar>(Shape{1, 1, 1}, MlpLayers({}, activation, 0, 1));
  auto model = Sequential<Scalar>::Create(*std::move(layers), max_batch);
  EXPECT_TRUE(model.ok()) << model.status();
  return *std::move(model);
}

// Where linear layer `index` (0-based among the layers with parameters)
// starts in the parameter buffer, and its inputs and outputs.
struct LinearSlice {
  int64_t offset;
  int64_t in;
  int64_t out;
};

template <typename Scalar>
LinearSlice FindLinear(const Sequential<Scalar>& model, int index) {
  int64_t offset = 0;
  for (int l = 0; l < model.num_layers(); ++l) {
    const Layer<Scalar>& layer = model.layer(l);
    if (layer.num_parameters() == 0) continue;
    if (index-- == 0) return {offset, layer.input_shape().size(), layer.output_shape().size()};
    offset += layer.num_parameters();
  }
  ADD_FAILURE() << "no such linear layer";
  return {0, 0, 0};
}

// W (out x in, column-major), then b: the layout of layers/linear.h.
template <typename Scalar>
Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>> Weight(Sequential<Scalar>& model,
                                                                         int index) {
  const LinearSlice s = FindLinear(model, index);
  return {model.parameters().data() + s.offset, s.out, s.in};
}

template <typename Scalar>
Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, 1>> Bias(Sequential<Scalar>& model, int index) {
  const LinearSlice s = FindLinear(model, index);
  return {model.parameters().data() + s.offset + s.in * s.out, s.out};
}

}  // namespace hpo::engine

#endif  // HPO_TESTS_ENGINE_MLP_MODEL_H_
