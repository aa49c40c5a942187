#include "common/layer_shapes.h"

#include "absl/status/status.h"

namespace hpo {

absl::StatusOr<int> OutputSize(int size, int kernel, int stride, int padding, int max_padding) {
  if (kernel < 1) {
    return absl::InvalidArgumentError(absl::StrCat("kernel_size is ", kernel, "; must be >= 1"));
  }
  if (stride < 1) {
    return absl::InvalidArgumentError(absl::StrCat("stride is ", stride, "; must be >= 1"));
  }
  if (padding < 0 || padding > max_padding) {
    return absl::InvalidArgumentError(
        absl::StrCat("padding is ", padding, "; must be in [0, ", max_padding, "]"));
  }
  const int64_t padded = static_cast<int64_t>(size) + 2 * static_cast<int64_t>(padding);
  if (padded < kernel) {
    return absl::InvalidArgumentError(absl::StrCat("kernel_size ", kernel,
                                                   " is larger than the input (", size,
                                                   " with padding ", padding, ")"));
  }
  return static_cast<int>((padded - kernel) / stride + 1);
}

absl::StatusOr<Shape> Conv2dOutputShape(Shape input, int out_channels, int kernel_size, int stride,
                                        int padding) {
  if (out_channels < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("out_channels is ", out_channels, "; must be >= 1"));
  }
  absl::StatusOr<int> height = OutputSize(input.height, kernel_size, stride, padding, kernel_size);
  if (!height.ok()) return height.status();
  absl::StatusOr<int> width = OutputSize(input.width, kernel_size, stride, padding, kernel_size);
  if (!width.ok()) return width.status();
  return Shape{out_channels, *height, *width};
}

absl::StatusOr<Shape> Pool2dOutputShape(Shape input, int kernel_size, int stride, int padding) {
  const int max_padding = kernel_size / 2;
  absl::StatusOr<int> height = OutputSize(input.height, kernel_size, stride, padding, max_padding);
  if (!height.ok()) return height.status();
  absl::StatusOr<int> width = OutputSize(input.width, kernel_size, stride, padding, max_padding);
  if (!width.ok()) return width.status();
  return Shape{input.channels, *height, *width};
}

absl::StatusOr<Shape> LinearOutputShape(Shape, int out_features) {
  if (out_features < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("out_features is ", out_features, "; must be >= 1"));
  }
  return Shape{out_features, 1, 1};
}

absl::Status CheckDropoutProbability(double p) {
  if (p >= 0 && p < 1) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("p is ", p, "; must be in [0, 1)"));
}

absl::Status CheckBatchNorm(Shape input, bool spatial, double eps, double momentum) {
  if (!(eps > 0 && eps < 1)) {
    return absl::InvalidArgumentError(absl::StrCat("eps is ", eps, "; must be > 0 and < 1"));
  }
  if (!(momentum >= 0 && momentum <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("momentum is ", momentum, "; must be in [0, 1]"));
  }
  if (!spatial && (input.height != 1 || input.width != 1)) {
    return absl::InvalidArgumentError(
        "batch_norm1d needs a flat input (flatten first, or use batch_norm2d)");
  }
  return absl::OkStatus();
}

int64_t BatchNormParameters(int channels) { return 2 * static_cast<int64_t>(channels); }

int64_t Conv2dParameters(int in_channels, int out_channels, int kernel_size) {
  return (static_cast<int64_t>(in_channels) * kernel_size * kernel_size + 1) * out_channels;
}

int64_t LinearParameters(int64_t in_features, int out_features) {
  return (in_features + 1) * out_features;
}

}  // namespace hpo
