// nn.Conv2d: out_channels filters of in_channels x kernel x kernel, a
// stride and zero padding on every side, with a bias. Computed per example
// as one matrix product over im2col columns (OpenBLAS's GEMM when the engine
// has it); a batch's examples are shared among threads(), each with its own
// im2col buffers and, but for the first, its own gradient sums, added into
// the model's in a fixed order.
//
// Parameters, in torch's order: the weight (out_channels x in_channels x
// kernel x kernel, row-major, as torch stores it), then the bias.
#ifndef HPO_WORKER_ENGINE_LAYERS_CONV2D_H_
#define HPO_WORKER_ENGINE_LAYERS_CONV2D_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/layers/layer.h"

namespace hpo::engine {

struct Conv2dOptions {
  int out_channels = 1;
  int kernel_size = 3;
  int stride = 1;
  int padding = 0;
};

template <typename Scalar>
class Conv2d : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Matrix;
  using typename Layer<Scalar>::Vector;
  using typename Layer<Scalar>::MatrixMap;
  using typename Layer<Scalar>::ConstMatrixMap;

  // InvalidArgument when a setting is out of range or the kernel does not
  // fit the padded input.
  static absl::StatusOr<std::unique_ptr<Conv2d>> Create(Shape input, Conv2dOptions options);

  int64_t num_parameters() const override;
  void Initialize(Init init, double gain, Rng& rng) override;
  void Reserve(int max_batch) override;
  void Forward(const ConstMatrixMap& x, MatrixMap y, Rng* rng) override;
  void Backward(const ConstMatrixMap& x, const ConstMatrixMap& y, const ConstMatrixMap& dy,
                Scalar* dx) override;

 private:
  Conv2d(Shape input, Shape output, Conv2dOptions options);

  // What one thread works in.
  struct Workspace {
    Matrix columns;           // positions x patch_size
    Matrix column_gradients;  // the same shape
    Vector gradients;         // weight and bias sums; unused by the first thread
  };

  int64_t patch_size() const;  // in_channels x kernel x kernel
  int64_t positions() const;   // output height x width
  // The multiply-adds of one example's product, a pass's grain (ParallelFor's item_work).
  int64_t multiply_adds_per_example() const {
    return positions() * patch_size() * options_.out_channels;
  }
  // `columns` = the patches of one example: a row per output position, a
  // column per (channel, kernel row, kernel column).
  void Im2Col(const Scalar* image, Matrix& columns) const;
  // Writes the image gradient of the patches' gradients `column_gradients`.
  void Col2Im(const Matrix& column_gradients, Scalar* image_gradient) const;
  // Backward over examples [begin, end), adding the weight and bias
  // gradients to `gradients`.
  void BackwardRange(const ConstMatrixMap& x, const ConstMatrixMap& dy, Scalar* dx, int64_t begin,
                     int64_t end, Workspace& workspace, Scalar* gradients) const;

  Conv2dOptions options_;
  std::vector<Workspace> workspaces_;  // one per thread
};

extern template class Conv2d<float>;
extern template class Conv2d<double>;

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_LAYERS_CONV2D_H_
