// The shapes and sizes of a model's layers, as torch computes them: what a
// convolution, a pooling or a linear layer makes of its input's shape, and
// how many parameters it has. The rules live here once, for the spec
// validator (a model is checked at the door, with the layer named) and the
// engine (worker/engine/layers/ builds its layers with them).
//
// Pure functions; thread-safe. No protobuf: the engine includes it.
#ifndef HPO_COMMON_LAYER_SHAPES_H_
#define HPO_COMMON_LAYER_SHAPES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace hpo {

// The shape of one example: channels x height x width; a vector of n
// features is n x 1 x 1.
struct Shape {
  int channels = 1;
  int height = 1;
  int width = 1;

  int64_t size() const { return static_cast<int64_t>(channels) * height * width; }
  bool operator==(const Shape& other) const {
    return channels == other.channels && height == other.height && width == other.width;
  }
  // "[32, 14, 14]", as the spec writes shapes.
  std::string ToString() const {
    return absl::StrCat("[", channels, ", ", height, ", ", width, "]");
  }
};

// The output size along one dimension: floor((size + 2 padding - kernel) /
// stride) + 1. InvalidArgument naming the setting when the kernel, stride or
// padding is out of range or the kernel does not fit the padded input;
// `max_padding` is the largest padding the layer allows.
absl::StatusOr<int> OutputSize(int size, int kernel, int stride, int padding, int max_padding);

// The output of a square-kernel convolution; torch allows any padding, we
// allow up to the kernel size (more only adds zeros).
absl::StatusOr<Shape> Conv2dOutputShape(Shape input, int out_channels, int kernel_size, int stride,
                                        int padding);
// The output of a square max or average pooling; padding at most half the
// kernel, as torch.
absl::StatusOr<Shape> Pool2dOutputShape(Shape input, int kernel_size, int stride, int padding);
absl::StatusOr<Shape> LinearOutputShape(Shape input, int out_features);
// OK when a dropout probability is in [0, 1).
absl::Status CheckDropoutProbability(double p);
// OK when eps > 0, momentum is in [0, 1] and a 1d batch norm's input is
// flat (a 2d one takes any [C, H, W]).
absl::Status CheckBatchNorm(Shape input, bool spatial, double eps, double momentum);
inline constexpr double kBatchNormDefaultEps = 1e-5;      // torch's
inline constexpr double kBatchNormDefaultMomentum = 0.1;  // torch's

// Weights and biases.
int64_t Conv2dParameters(int in_channels, int out_channels, int kernel_size);
int64_t LinearParameters(int64_t in_features, int out_features);
// Weight and bias per channel.
int64_t BatchNormParameters(int channels);

}  // namespace hpo

#endif  // HPO_COMMON_LAYER_SHAPES_H_
