// A model as a list of layer settings, before it is built for an input shape:
// what a spec's `model.layers` (or its mlp and cnn shorthands) says, in the
// engine's terms.
#ifndef HPO_WORKER_ENGINE_LAYER_CONFIG_H_
#define HPO_WORKER_ENGINE_LAYER_CONFIG_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/activations.h"
#include "worker/engine/layers/layer.h"

namespace hpo::engine {

struct LayerConfig {
  enum class Kind {
    kLinear,
    kConv2d,
    kMaxPool2d,
    kAvgPool2d,
    kFlatten,
    kDropout,
    kActivation,
    kBatchNorm1d,
    kBatchNorm2d,
  };
  Kind kind = Kind::kLinear;
  int size = 0;  // linear: out_features; conv2d: out_channels
  int kernel_size = 0;
  int stride = 0;  // 0: 1 for conv2d, the kernel size for pools
  int padding = 0;
  double p = 0;  // dropout
  double eps = kBatchNormDefaultEps;            // batch norms
  double momentum = kBatchNormDefaultMomentum;  // batch norms
  Activation activation = Activation::kRelu;
};

// The spec's name of a layer kind ("conv2d"), or of the activation.
std::string_view LayerName(const LayerConfig& layer);

// The layers for examples of shape `input`, each made for the output of the
// one before. InvalidArgument naming the layer ("layers[3] (conv2d, input
// [1, 5, 5]): ...")
// when a setting is out of range or does not fit its input.
template <typename Scalar>
absl::StatusOr<std::vector<std::unique_ptr<Layer<Scalar>>>> BuildLayers(
    Shape input, const std::vector<LayerConfig>& layers);

// An MLP: per hidden width a linear layer, the activation and (when p > 0)
// dropout, then a linear layer of `outputs`.
std::vector<LayerConfig> MlpLayers(const std::vector<int>& hidden, Activation activation,
                                   double dropout, int outputs);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_LAYER_CONFIG_H_
