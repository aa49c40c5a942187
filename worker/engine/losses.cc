#include "worker/engine/losses.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "common/task_settings.h"
#include "worker/engine/name_lookup.h"

namespace hpo::engine {
namespace {

constexpr Loss kLossByName[] = {Loss::kCrossEntropy, Loss::kMse, Loss::kBinaryCrossEntropy};
static_assert(std::size(kLossByName) == kLossNames.size());

}  // namespace

absl::StatusOr<Loss> ParseLoss(std::string_view name) {
  if (name.empty()) return Loss::kDefault;
  return LookupName("loss", name, kLossNames, kLossByName);
}

std::string_view LossName(Loss loss) {
  if (loss == Loss::kDefault) return "default";
  return NameOf(loss, kLossNames, kLossByName);
}

template <typename Scalar>
double SoftmaxCrossEntropy(const Eigen::Ref<const MatrixX<Scalar>>& logits, const int32_t* labels,
                           Scalar* gradient) {
  using Column = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  const int64_t classes = logits.rows();
  const int64_t n = logits.cols();
  if (n == 0) return 0.0;
  const Scalar inv_n = Scalar(1) / static_cast<Scalar>(n);
  double total = 0.0;
  for (int64_t j = 0; j < n; ++j) {
    const auto z = logits.col(j);
    const Scalar max = z.maxCoeff();
    const int32_t label = labels[j];
    if (gradient != nullptr) {
      // exp(z - max) lands in the gradient column and is normalised in place.
      Eigen::Map<Column> g(gradient + j * classes, classes);
      g = (z.array() - max).exp().matrix();
      const Scalar sum = g.sum();
      total += static_cast<double>(max) + std::log(static_cast<double>(sum)) -
               static_cast<double>(z(label));
      g *= inv_n / sum;
      g(label) -= inv_n;
    } else {
      const Scalar sum = (z.array() - max).exp().sum();
      total += static_cast<double>(max) + std::log(static_cast<double>(sum)) -
               static_cast<double>(z(label));
    }
  }
  return total / static_cast<double>(n);
}

template <typename Scalar>
int64_t CountCorrect(const Eigen::Ref<const MatrixX<Scalar>>& logits, const int32_t* labels) {
  int64_t correct = 0;
  for (int64_t j = 0; j < logits.cols(); ++j) {
    Eigen::Index best;
    logits.col(j).maxCoeff(&best);
    if (best == labels[j]) ++correct;
  }
  return correct;
}

template <typename Scalar>
double MeanSquaredError(const Eigen::Ref<const MatrixX<Scalar>>& outputs,
                        const Eigen::Ref<const MatrixX<Scalar>>& targets, Scalar* gradient) {
  const int64_t rows = outputs.rows();
  const int64_t count = outputs.size();
  if (count == 0) return 0.0;
  double total = 0.0;
  const Scalar scale = Scalar(2) / static_cast<Scalar>(count);
  for (int64_t j = 0; j < outputs.cols(); ++j) {
    for (int64_t i = 0; i < rows; ++i) {
      const Scalar diff = outputs(i, j) - targets(i, j);
      total += static_cast<double>(diff) * static_cast<double>(diff);
      if (gradient != nullptr) gradient[j * rows + i] = scale * diff;
    }
  }
  return total / static_cast<double>(count);
}

template <typename Scalar>
double BinaryCrossEntropy(const Eigen::Ref<const MatrixX<Scalar>>& logits, const int32_t* labels,
                          Scalar* gradient) {
  const int64_t n = logits.cols();
  if (n == 0) return 0.0;
  const double inv_n = 1.0 / static_cast<double>(n);
  double total = 0.0;
  for (int64_t j = 0; j < n; ++j) {
    const double z = static_cast<double>(logits(0, j));
    const double y = labels[j] == 1 ? 1.0 : 0.0;
    total += std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::abs(z)));
    if (gradient != nullptr) {
      const double sigmoid =
          z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
      gradient[j] = static_cast<Scalar>((sigmoid - y) * inv_n);
    }
  }
  return total * inv_n;
}

template <typename Scalar>
int64_t CountCorrectBinary(const Eigen::Ref<const MatrixX<Scalar>>& logits, const int32_t* labels) {
  int64_t correct = 0;
  for (int64_t j = 0; j < logits.cols(); ++j) {
    if ((logits(0, j) > Scalar(0)) == (labels[j] == 1)) ++correct;
  }
  return correct;
}

#define HPO_INSTANTIATE_LOSSES(Scalar)                                                             \
  template double SoftmaxCrossEntropy<Scalar>(const Eigen::Ref<const MatrixX<Scalar>>&,            \
                                              const int32_t*, Scalar*);                            \
  template int64_t CountCorrect<Scalar>(const Eigen::Ref<const MatrixX<Scalar>>&, const int32_t*); \
  template double MeanSquaredError<Scalar>(const Eigen::Ref<const MatrixX<Scalar>>&,               \
                                           const Eigen::Ref<const MatrixX<Scalar>>&, Scalar*);     \
  template double BinaryCrossEntropy<Scalar>(const Eigen::Ref<const MatrixX<Scalar>>&,             \
                                             const int32_t*, Scalar*);                             \
  template int64_t CountCorrectBinary<Scalar>(const Eigen::Ref<const MatrixX<Scalar>>&,            \
                                              const int32_t*);

HPO_INSTANTIATE_LOSSES(float)
HPO_INSTANTIATE_LOSSES(double)
#undef HPO_INSTANTIATE_LOSSES

}  // namespace hpo::engine
