// The output size of a convolution or pooling along one dimension, as torch
// computes it: floor((size + 2 padding - kernel) / stride) + 1.
#ifndef HPO_WORKER_ENGINE_LAYERS_OUTPUT_SIZE_H_
#define HPO_WORKER_ENGINE_LAYERS_OUTPUT_SIZE_H_

#include "absl/status/statusor.h"

namespace hpo::engine {

// InvalidArgument naming the setting when the kernel, stride or padding is
// out of range or the kernel does not fit the padded input; `max_padding` is
// the largest padding the layer allows (pools: half the kernel, as torch).
absl::StatusOr<int> OutputSize(int size, int kernel, int stride, int padding, int max_padding);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_LAYERS_OUTPUT_SIZE_H_
