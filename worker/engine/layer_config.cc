#include "worker/engine/layer_config.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "worker/engine/layers/batch_norm.h"
#include "worker/engine/layers/conv2d.h"
#include "worker/engine/layers/elementwise.h"
#include "worker/engine/layers/linear.h"
#include "worker/engine/layers/pool2d.h"

namespace hpo::engine {
namespace {

template <typename Scalar>
absl::StatusOr<std::unique_ptr<Layer<Scalar>>> BuildLayer(Shape input, const LayerConfig& c) {
  using Kind = LayerConfig::Kind;
  switch (c.kind) {
    case Kind::kLinear:
      return Linear<Scalar>::Create(input, c.size);
    case Kind::kConv2d:
      return Conv2d<Scalar>::Create(input, {.out_channels = c.size,
                                            .kernel_size = c.kernel_size,
                                            .stride = c.stride == 0 ? 1 : c.stride,
                                            .padding = c.padding});
    case Kind::kMaxPool2d:
    case Kind::kAvgPool2d:
      return Pool2d<Scalar>::Create(
          c.kind == Kind::kMaxPool2d ? PoolKind::kMax : PoolKind::kAverage, input,
          {.kernel_size = c.kernel_size, .stride = c.stride, .padding = c.padding});
    case Kind::kFlatten:
      return std::make_unique<Flatten<Scalar>>(input);
    case Kind::kDropout:
      return Dropout<Scalar>::Create(input, c.p);
    case Kind::kActivation:
      return std::make_unique<ActivationLayer<Scalar>>(input, c.activation);
    case Kind::kBatchNorm1d:
    case Kind::kBatchNorm2d:
      return BatchNorm<Scalar>::Create(
          input, {.spatial = c.kind == Kind::kBatchNorm2d, .eps = c.eps, .momentum = c.momentum});
  }
  return absl::InternalError("unknown layer kind");
}

}  // namespace

std::string_view LayerName(const LayerConfig& layer) {
  switch (layer.kind) {
    case LayerConfig::Kind::kLinear:
      return "linear";
    case LayerConfig::Kind::kConv2d:
      return "conv2d";
    case LayerConfig::Kind::kMaxPool2d:
      return "max_pool2d";
    case LayerConfig::Kind::kAvgPool2d:
      return "avg_pool2d";
    case LayerConfig::Kind::kFlatten:
      return "flatten";
    case LayerConfig::Kind::kDropout:
      return "dropout";
    case LayerConfig::Kind::kActivation:
      return ActivationName(layer.activation);
    case LayerConfig::Kind::kBatchNorm1d:
      return "batch_norm1d";
    case LayerConfig::Kind::kBatchNorm2d:
      return "batch_norm2d";
  }
  return "?";
}

template <typename Scalar>
absl::StatusOr<std::vector<std::unique_ptr<Layer<Scalar>>>> BuildLayers(
    Shape input, const std::vector<LayerConfig>& layers) {
  std::vector<std::unique_ptr<Layer<Scalar>>> built;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Shape shape = built.empty() ? input : built.back()->output_shape();
    absl::StatusOr<std::unique_ptr<Layer<Scalar>>> layer = BuildLayer<Scalar>(shape, layers[i]);
    if (!layer.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("layers[", i, "] (", std::string(LayerName(layers[i])), ", input ",
                       shape.ToString(), "): ", layer.status().message()));
    }
    built.push_back(*std::move(layer));
  }
  return built;
}

std::vector<LayerConfig> MlpLayers(const std::vector<int>& hidden, Activation activation,
                                   double dropout, int outputs) {
  std::vector<LayerConfig> layers;
  for (int width : hidden) {
    layers.push_back({.kind = LayerConfig::Kind::kLinear, .size = width});
    layers.push_back({.kind = LayerConfig::Kind::kActivation, .activation = activation});
    if (dropout > 0) layers.push_back({.kind = LayerConfig::Kind::kDropout, .p = dropout});
  }
  layers.push_back({.kind = LayerConfig::Kind::kLinear, .size = outputs});
  return layers;
}

template absl::StatusOr<std::vector<std::unique_ptr<Layer<float>>>> BuildLayers<float>(
    Shape, const std::vector<LayerConfig>&);
template absl::StatusOr<std::vector<std::unique_ptr<Layer<double>>>> BuildLayers<double>(
    Shape, const std::vector<LayerConfig>&);

}  // namespace hpo::engine
