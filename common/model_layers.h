// A task's model as its list of layers, and what those layers make of an
// example's shape: the one place that expands the mlp, linear and cnn
// shorthands, used by the spec validator (shapes and costs checked at the
// door) and by the worker (which trains exactly these layers).
//
// Pure functions; thread-safe.
#ifndef HPO_COMMON_MODEL_LAYERS_H_
#define HPO_COMMON_MODEL_LAYERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/layer_shapes.h"
#include "hpo/v1/study.pb.h"

namespace hpo {

// A cnn's default kernel, and the pooling after each of its convolutions.
inline constexpr int kCnnDefaultKernelSize = 3;
inline constexpr int kCnnPoolSize = 2;
inline constexpr double kDropoutLayerDefaultP = 0.5;  // torch.nn.Dropout's

// The layers of `model`, in order:
// - linear: one linear layer; mlp: per hidden width linear, the activation
//   and (when dropout > 0) dropout, then a linear layer;
// - cnn: per channel count conv2d(kernel_size, padding kernel_size / 2),
//   batch_norm2d (with batch_norm), the activation and max_pool2d(2), then
//   flatten and the mlp of `hidden`;
// - sequential: its layers as written.
// The final linear layer of a shorthand leaves out_features unset: the
// task's outputs.
std::vector<v1::LayerSpec> ModelLayers(const v1::ModelSpec& model);

// A layer's numeric settings with the spec's defaults applied: stride 1 for
// a convolution and the kernel size for a pooling, dropout p 0.5, torch's
// batch-norm eps and momentum. Fields a kind does not have keep these values.
struct LayerSettings {
  int size = 0;  // linear: out_features (0: the task's outputs); conv2d: out_channels
  int kernel_size = 0;
  int stride = 1;
  int padding = 0;
  double p = 0;  // dropout
  double eps = kBatchNormDefaultEps;
  double momentum = kBatchNormDefaultMomentum;
};
LayerSettings SettingsOf(const v1::LayerSpec& layer);

// The spec's name of a layer ("conv2d", "relu"), or "" when it names none.
std::string_view LayerKindName(const v1::LayerSpec& layer);
// Whether the layer reads its input as an image (a convolution or pooling).
bool IsSpatialLayer(const v1::LayerSpec& layer);

// The shape of one example as far as the spec says: model.input_shape when
// given ([c, h, w] or [features]), fashion-mnist's [1, 28, 28]; nullopt for
// a csv file without one (only the worker knows its columns).
std::optional<Shape> TaskInputShape(const v1::TaskSpec& task);

// What the layers make of an input: their parameters, and the values per
// example of the input and of every layer's output (common/model_cost.h's
// widths); or the first layer that does not fit, and why.
struct ModelSize {
  int64_t parameters = 0;
  std::vector<int64_t> widths;
  int failed_layer = -1;  // >= 0: that layer does not fit its input
  // "conv2d, input [1, 5, 5]: kernel_size 7 is larger than the input (5
  // with padding 0)"
  std::string failure;
};

// Walks `layers` from `input`; a linear layer without out_features gives
// `outputs`.
ModelSize SizeModel(const std::vector<v1::LayerSpec>& layers, Shape input, int outputs);

}  // namespace hpo

#endif  // HPO_COMMON_MODEL_LAYERS_H_
