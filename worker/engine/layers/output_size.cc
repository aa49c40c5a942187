#include "worker/engine/layers/output_size.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace hpo::engine {

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

}  // namespace hpo::engine
