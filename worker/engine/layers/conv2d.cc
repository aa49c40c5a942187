#include "worker/engine/layers/conv2d.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "worker/engine/parallel.h"

namespace hpo::engine {

template <typename Scalar>
absl::StatusOr<std::unique_ptr<Conv2d<Scalar>>> Conv2d<Scalar>::Create(Shape input,
                                                                       Conv2dOptions options) {
  ASSIGN_OR_RETURN(const Shape output,
                   Conv2dOutputShape(input, options.out_channels, options.kernel_size,
                                     options.stride, options.padding));
  return std::unique_ptr<Conv2d>(new Conv2d(input, output, options));
}

template <typename Scalar>
Conv2d<Scalar>::Conv2d(Shape input, Shape output, Conv2dOptions options)
    : Layer<Scalar>(input, output), options_(options) {}

template <typename Scalar>
int64_t Conv2d<Scalar>::patch_size() const {
  return static_cast<int64_t>(this->input_shape().channels) * options_.kernel_size *
         options_.kernel_size;
}

template <typename Scalar>
int64_t Conv2d<Scalar>::positions() const {
  return static_cast<int64_t>(this->output_shape().height) * this->output_shape().width;
}

template <typename Scalar>
int64_t Conv2d<Scalar>::num_parameters() const {
  return Conv2dParameters(this->input_shape().channels, options_.out_channels,
                          options_.kernel_size);
}

template <typename Scalar>
void Conv2d<Scalar>::Initialize(Init init, double gain, Rng& rng) {
  const int64_t k2 = static_cast<int64_t>(options_.kernel_size) * options_.kernel_size;
  InitializeWeights(init, gain, {.fan_in = patch_size(), .fan_out = options_.out_channels * k2},
                    patch_size() * options_.out_channels, this->parameters(), options_.out_channels,
                    this->parameters() + patch_size() * options_.out_channels, rng);
}

template <typename Scalar>
void Conv2d<Scalar>::Reserve(int /*max_batch*/) {
  const Shape& out = this->output_shape();
  const int64_t positions = static_cast<int64_t>(out.height) * out.width;
  workspaces_.resize(this->threads().threads);
  for (size_t part = 0; part < workspaces_.size(); ++part) {
    workspaces_[part].columns.resize(positions, patch_size());
    workspaces_[part].column_gradients.resize(positions, patch_size());
    if (part > 0) workspaces_[part].gradients.resize(num_parameters());
  }
}

namespace {

// The output columns [first, last) whose input column ow * stride - pad + kj
// lies inside [0, width).
std::pair<int, int> InsideColumns(int kj, int stride, int pad, int width, int out_width) {
  const int lowest = pad - kj;  // ow * stride >= lowest
  const int first = lowest <= 0 ? 0 : (lowest + stride - 1) / stride;
  const int highest = width - 1 + pad - kj;  // ow * stride <= highest
  const int last = highest < 0 ? 0 : std::min(out_width, highest / stride + 1);
  return {std::min(first, last), last};
}

}  // namespace

template <typename Scalar>
void Conv2d<Scalar>::Im2Col(const Scalar* image, Matrix& columns) const {
  const Shape& in = this->input_shape();
  const Shape& out = this->output_shape();
  const int k = options_.kernel_size, stride = options_.stride, pad = options_.padding;
  // Stride 1 with the output as wide as the input ("same" padding, the
  // usual case): each patch column is the input plane shifted by one
  // offset, so one copy per column, then zeros where the window hangs over
  // an edge.
  const bool shifted_planes = stride == 1 && out.width == in.width;
  Scalar* column = columns.data();
  for (int c = 0; c < in.channels; ++c) {
    const Scalar* plane = image + static_cast<int64_t>(c) * in.height * in.width;
    for (int ki = 0; ki < k; ++ki) {
      for (int kj = 0; kj < k; ++kj) {
        const auto [first, last] = InsideColumns(kj, stride, pad, in.width, out.width);
        const int offset = kj - pad;  // input column of output column ow: ow * stride + offset
        if (shifted_planes) {
          // Output rows [top, bottom) read input rows inside the plane.
          const int top = std::clamp(pad - ki, 0, out.height);
          const int bottom = std::clamp(in.height + pad - ki, top, out.height);
          const int64_t shift = static_cast<int64_t>(ki - pad) * in.width + offset;
          // Values whose source lies outside the plane are among the zeroed
          // edge columns; clip the copy to the plane.
          const int64_t from = std::max<int64_t>(static_cast<int64_t>(top) * out.width, -shift);
          const int64_t to = std::min<int64_t>(static_cast<int64_t>(bottom) * out.width,
                                               static_cast<int64_t>(in.height) * in.width - shift);
          std::fill(column, column + from, Scalar(0));
          if (to > from) std::copy(plane + from + shift, plane + to + shift, column + from);
          std::fill(column + std::max(from, to), column + positions(), Scalar(0));
          for (int oh = top; oh < bottom; ++oh) {
            Scalar* row = column + static_cast<int64_t>(oh) * out.width;
            for (int ow = 0; ow < first; ++ow) row[ow] = 0;
            for (int ow = last; ow < out.width; ++ow) row[ow] = 0;
          }
          column += positions();
          continue;
        }
        for (int oh = 0; oh < out.height; ++oh, column += out.width) {
          const int ih = oh * stride - pad + ki;
          if (ih < 0 || ih >= in.height) {
            std::fill(column, column + out.width, Scalar(0));
            continue;
          }
          const Scalar* row = plane + static_cast<int64_t>(ih) * in.width;
          std::fill(column, column + first, Scalar(0));
          for (int ow = first; ow < last; ++ow) column[ow] = row[ow * stride + offset];
          std::fill(column + last, column + out.width, Scalar(0));
        }
      }
    }
  }
}

template <typename Scalar>
void Conv2d<Scalar>::Col2Im(const Matrix& column_gradients, Scalar* image_gradient) const {
  const Shape& in = this->input_shape();
  const Shape& out = this->output_shape();
  const int k = options_.kernel_size, stride = options_.stride, pad = options_.padding;
  std::fill(image_gradient, image_gradient + in.size(), Scalar(0));
  const Scalar* column = column_gradients.data();
  for (int c = 0; c < in.channels; ++c) {
    Scalar* plane = image_gradient + static_cast<int64_t>(c) * in.height * in.width;
    for (int ki = 0; ki < k; ++ki) {
      for (int kj = 0; kj < k; ++kj) {
        const auto [first, last] = InsideColumns(kj, stride, pad, in.width, out.width);
        for (int oh = 0; oh < out.height; ++oh, column += out.width) {
          const int ih = oh * stride - pad + ki;
          if (ih < 0 || ih >= in.height) continue;
          Scalar* row = plane + static_cast<int64_t>(ih) * in.width;
          const int offset = kj - pad;
          for (int ow = first; ow < last; ++ow) row[ow * stride + offset] += column[ow];
        }
      }
    }
  }
}

template <typename Scalar>
void Conv2d<Scalar>::Forward(const ConstMatrixMap& x, MatrixMap y, Rng* /*rng*/) {
  const int filters = options_.out_channels;
  const ConstMatrixMap weight(this->parameters(), patch_size(), filters);
  const Eigen::Map<const Eigen::Matrix<Scalar, 1, Eigen::Dynamic>> bias(
      this->parameters() + patch_size() * filters, filters);
  ParallelFor(this->threads(), x.cols(), multiply_adds_per_example(),
              [&](int64_t begin, int64_t end, int part) {
                Matrix& columns = workspaces_[part].columns;
                for (int64_t b = begin; b < end; ++b) {
                  Im2Col(x.col(b).data(), columns);
                  // Channel-major: C x H x W.
                  MatrixMap out(y.col(b).data(), columns.rows(), filters);
                  out.rowwise() = bias;
                  out.noalias() += columns * weight;
                }
              });
}

template <typename Scalar>
void Conv2d<Scalar>::BackwardRange(const ConstMatrixMap& x, const ConstMatrixMap& dy, Scalar* dx,
                                   int64_t begin, int64_t end, Workspace& workspace,
                                   Scalar* gradients) const {
  const int filters = options_.out_channels;
  const int64_t positions = workspace.columns.rows();
  const ConstMatrixMap weight(this->parameters(), patch_size(), filters);
  MatrixMap weight_gradient(gradients, patch_size(), filters);
  Eigen::Map<Eigen::Matrix<Scalar, 1, Eigen::Dynamic>> bias_gradient(
      gradients + patch_size() * filters, filters);
  for (int64_t b = begin; b < end; ++b) {
    Im2Col(x.col(b).data(), workspace.columns);
    const ConstMatrixMap out_gradient(dy.col(b).data(), positions, filters);
    weight_gradient.noalias() += workspace.columns.transpose() * out_gradient;
    bias_gradient += out_gradient.colwise().sum();
    if (dx != nullptr) {
      workspace.column_gradients.noalias() = out_gradient * weight.transpose();
      Col2Im(workspace.column_gradients, dx + b * this->input_shape().size());
    }
  }
}

template <typename Scalar>
void Conv2d<Scalar>::Backward(const ConstMatrixMap& x, const ConstMatrixMap& /*y*/,
                              const ConstMatrixMap& dy, Scalar* dx) {
  // The first thread adds into the model's gradients, the others into their
  // own sums, added afterwards in thread order.
  const int parts = ParallelFor(this->threads(), x.cols(), multiply_adds_per_example(),
                                [&](int64_t begin, int64_t end, int part) {
                                  Workspace& workspace = workspaces_[part];
                                  Scalar* gradients = this->gradients();
                                  if (part > 0) {
                                    workspace.gradients.setZero();
                                    gradients = workspace.gradients.data();
                                  }
                                  BackwardRange(x, dy, dx, begin, end, workspace, gradients);
                                });
  Eigen::Map<Vector> gradients(this->gradients(), num_parameters());
  for (int part = 1; part < parts; ++part) gradients += workspaces_[part].gradients;
}

template class Conv2d<float>;
template class Conv2d<double>;

}  // namespace hpo::engine
