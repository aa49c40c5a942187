// Training losses with PyTorch's "mean" reduction, and their gradients with
// respect to the network's outputs. Examples are columns.
//
// Stateless free functions; thread-safe.
#ifndef HPO_WORKER_ENGINE_LOSSES_H_
#define HPO_WORKER_ENGINE_LOSSES_H_

#include <Eigen/Core>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace hpo::engine {

// kDefault picks by the data: cross-entropy for classification, MSE for
// regression.
enum class Loss { kDefault, kCrossEntropy, kMse, kBinaryCrossEntropy };

// Accepts the names in hpo::kLossNames (common/task_settings.h) and "" for
// kDefault.
absl::StatusOr<Loss> ParseLoss(std::string_view name);
std::string_view LossName(Loss loss);

template <typename Scalar>
using MatrixX = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

// Softmax cross-entropy (nn.CrossEntropyLoss): the mean over columns of
// logsumexp(logits[:, j]) - logits[labels[j], j], computed with the column
// maximum subtracted so that large logits do not overflow. Labels must be in
// [0, logits.rows()). When `gradient` is not null it receives d(loss)/d(logits),
// column-major with logits.rows() rows and logits.cols() columns.
template <typename Scalar>
double SoftmaxCrossEntropy(const Eigen::Ref<const MatrixX<Scalar>>& logits, const int32_t* labels,
                           Scalar* gradient);

// Number of columns whose largest logit (the first, on ties) is the label.
template <typename Scalar>
int64_t CountCorrect(const Eigen::Ref<const MatrixX<Scalar>>& logits, const int32_t* labels);

// Mean squared error (nn.MSELoss): the mean over all entries of
// (outputs - targets)^2. `gradient` as above.
template <typename Scalar>
double MeanSquaredError(const Eigen::Ref<const MatrixX<Scalar>>& outputs,
                        const Eigen::Ref<const MatrixX<Scalar>>& targets, Scalar* gradient);

// Binary cross-entropy on logits (nn.BCEWithLogitsLoss): outputs has one row;
// labels are 0 or 1. The mean over columns of
// max(z, 0) - z * y + log(1 + exp(-|z|)), which never overflows.
// `gradient` as above: (sigmoid(z) - y) / n.
template <typename Scalar>
double BinaryCrossEntropy(const Eigen::Ref<const MatrixX<Scalar>>& logits, const int32_t* labels,
                          Scalar* gradient);

// Number of columns whose single logit is on the label's side of 0 (> 0
// predicts 1).
template <typename Scalar>
int64_t CountCorrectBinary(const Eigen::Ref<const MatrixX<Scalar>>& logits, const int32_t* labels);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_LOSSES_H_
