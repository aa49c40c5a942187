// nn.Linear: y = W x + b over in_features = the input's whole size (after a
// flatten, or a vector input) to out_features.
//
// Parameters: W (out x in, column-major, as the MLP stores it), then b.
#ifndef HPO_WORKER_ENGINE_LAYERS_LINEAR_H_
#define HPO_WORKER_ENGINE_LAYERS_LINEAR_H_

#include <memory>

#include "absl/status/statusor.h"
#include "worker/engine/layers/layer.h"

namespace hpo::engine {

template <typename Scalar>
class Linear : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Vector;
  using typename Layer<Scalar>::MatrixMap;
  using typename Layer<Scalar>::ConstMatrixMap;

  // InvalidArgument unless out_features >= 1.
  static absl::StatusOr<std::unique_ptr<Linear>> Create(Shape input, int out_features);

  int64_t num_parameters() const override;
  void Initialize(Init init, double gain, Rng& rng) override;
  void Forward(const ConstMatrixMap& x, MatrixMap y, Rng* rng) override;
  void Backward(const ConstMatrixMap& x, const ConstMatrixMap& y, const ConstMatrixMap& dy,
                Scalar* dx) override;

 private:
  Linear(Shape input, int out_features);
  int64_t in() const { return this->input_shape().size(); }
  int64_t out() const { return this->output_shape().size(); }
};

extern template class Linear<float>;
extern template class Linear<double>;

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_LAYERS_LINEAR_H_
