#include "common/model_layers.h"

#include <limits>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/model_cost.h"
#include "common/string_view_compat.h"
#include "common/task_settings.h"

namespace hpo {
namespace {

v1::LayerSpec Linear(int out_features) {
  v1::LayerSpec layer;
  layer.mutable_linear()->set_out_features(out_features);
  return layer;
}

// An activation layer is the LayerSpec field of the activation's name.
v1::LayerSpec ActivationLayer(const std::string& activation) {
  v1::LayerSpec layer;
  const google::protobuf::FieldDescriptor* f =
      v1::LayerSpec::descriptor()->FindFieldByName(activation.empty() ? "relu" : activation);
  if (f != nullptr) layer.GetReflection()->MutableMessage(&layer, f);
  return layer;
}

// The mlp of `hidden` after whatever came before, then the output layer.
void AppendMlp(const v1::ModelSpec& model, std::vector<v1::LayerSpec>* layers) {
  for (int32_t width : model.hidden()) {
    layers->push_back(Linear(width));
    layers->push_back(ActivationLayer(model.activation()));
    if (model.dropout() > 0) {
      v1::LayerSpec dropout;
      dropout.mutable_dropout()->set_p(model.dropout());
      layers->push_back(std::move(dropout));
    }
  }
  layers->push_back(Linear(0));
}

absl::StatusOr<Shape> OutputShape(const v1::LayerSpec& layer, Shape input, int outputs) {
  const LayerSettings s = SettingsOf(layer);
  switch (layer.layer_case()) {
    case v1::LayerSpec::kLinear:
      return LinearOutputShape(input, s.size == 0 ? outputs : s.size);
    case v1::LayerSpec::kConv2D:
      return Conv2dOutputShape(input, s.size, s.kernel_size, s.stride, s.padding);
    case v1::LayerSpec::kMaxPool2D:
    case v1::LayerSpec::kAvgPool2D:
      return Pool2dOutputShape(input, s.kernel_size, s.stride, s.padding);
    case v1::LayerSpec::kFlatten:
      if (input.size() > std::numeric_limits<int>::max()) {
        return absl::InvalidArgumentError(absl::StrCat(input.size(), " values are too many"));
      }
      return Shape{static_cast<int>(input.size()), 1, 1};
    case v1::LayerSpec::kDropout: {
      const absl::Status p = CheckDropoutProbability(s.p);
      if (!p.ok()) return p;
      return input;
    }
    case v1::LayerSpec::kBatchNorm1D:
    case v1::LayerSpec::kBatchNorm2D: {
      const absl::Status status =
          CheckBatchNorm(input, layer.has_batch_norm2d(), s.eps, s.momentum);
      if (!status.ok()) return status;
      return input;
    }
    case v1::LayerSpec::LAYER_NOT_SET:
      return absl::InvalidArgumentError("names no layer");
    default:  // an activation
      return input;
  }
}

int64_t LayerParameters(const v1::LayerSpec& layer, Shape input, Shape output) {
  if (layer.has_linear()) return LinearParameters(input.size(), output.channels);
  if (layer.has_conv2d()) {
    return Conv2dParameters(input.channels, output.channels, layer.conv2d().kernel_size());
  }
  if (layer.has_batch_norm1d() || layer.has_batch_norm2d()) {
    return BatchNormParameters(input.channels);
  }
  return 0;
}

}  // namespace

std::vector<v1::LayerSpec> ModelLayers(const v1::ModelSpec& model) {
  if (model.type() == "sequential") return {model.layers().begin(), model.layers().end()};
  std::vector<v1::LayerSpec> layers;
  if (model.type() == "cnn") {
    const int kernel = model.has_kernel_size() ? model.kernel_size() : kCnnDefaultKernelSize;
    for (int32_t channels : model.channels()) {
      v1::LayerSpec conv;
      conv.mutable_conv2d()->set_out_channels(channels);
      conv.mutable_conv2d()->set_kernel_size(kernel);
      conv.mutable_conv2d()->set_padding(kernel / 2);
      layers.push_back(std::move(conv));
      if (model.batch_norm()) {
        v1::LayerSpec norm;
        norm.mutable_batch_norm2d();
        layers.push_back(std::move(norm));
      }
      layers.push_back(ActivationLayer(model.activation()));
      v1::LayerSpec pool;
      pool.mutable_max_pool2d()->set_kernel_size(kCnnPoolSize);
      layers.push_back(std::move(pool));
    }
    v1::LayerSpec flatten;
    flatten.mutable_flatten();
    layers.push_back(std::move(flatten));
  }
  if (model.type() == "linear") {
    layers.push_back(Linear(0));
    return layers;
  }
  AppendMlp(model, &layers);
  return layers;
}

LayerSettings SettingsOf(const v1::LayerSpec& layer) {
  LayerSettings s;
  if (layer.has_linear()) s.size = layer.linear().out_features();
  if (layer.has_conv2d()) {
    const v1::Conv2dLayerSpec& c = layer.conv2d();
    s.size = c.out_channels();
    s.kernel_size = c.kernel_size();
    if (c.has_stride()) s.stride = c.stride();
    s.padding = c.padding();
  }
  if (layer.has_max_pool2d() || layer.has_avg_pool2d()) {
    const v1::Pool2dLayerSpec& p = layer.has_max_pool2d() ? layer.max_pool2d() : layer.avg_pool2d();
    s.kernel_size = p.kernel_size();
    s.stride = p.has_stride() ? p.stride() : p.kernel_size();
    s.padding = p.padding();
  }
  if (layer.has_dropout()) {
    s.p = layer.dropout().has_p() ? layer.dropout().p() : kDropoutLayerDefaultP;
  }
  if (layer.has_batch_norm1d() || layer.has_batch_norm2d()) {
    const v1::BatchNormLayerSpec& b =
        layer.has_batch_norm2d() ? layer.batch_norm2d() : layer.batch_norm1d();
    if (b.has_eps()) s.eps = b.eps();
    if (b.has_momentum()) s.momentum = b.momentum();
  }
  return s;
}

std::string_view LayerKindName(const v1::LayerSpec& layer) {
  if (layer.layer_case() == v1::LayerSpec::LAYER_NOT_SET) return "";
  return v1::LayerSpec::descriptor()->FindFieldByNumber(layer.layer_case())->name();
}

bool IsSpatialLayer(const v1::LayerSpec& layer) {
  return layer.has_conv2d() || layer.has_max_pool2d() || layer.has_avg_pool2d();
}

std::optional<Shape> TaskInputShape(const v1::TaskSpec& task) {
  const auto& shape = task.model().input_shape();
  if (shape.size() == 3) return Shape{shape[0], shape[1], shape[2]};
  if (shape.size() == 1) return Shape{shape[0], 1, 1};
  if (task.dataset().name() == "fashion-mnist") {
    return Shape{1, kFashionMnistImageSide, kFashionMnistImageSide};
  }
  return std::nullopt;
}

ModelSize SizeModel(const std::vector<v1::LayerSpec>& layers, Shape input, int outputs) {
  using namespace model_cost_internal;
  ModelSize size;
  size.widths.push_back(input.size());
  Shape shape = input;
  for (size_t i = 0; i < layers.size(); ++i) {
    absl::StatusOr<Shape> output = OutputShape(layers[i], shape, outputs);
    if (!output.ok()) {
      size.failed_layer = static_cast<int>(i);
      size.failure = absl::StrCat(ToAbsl(LayerKindName(layers[i])), ", input ", shape.ToString(),
                                  ": ", output.status().message());
      return size;
    }
    size.parameters = SaturatingAdd(size.parameters, LayerParameters(layers[i], shape, *output));
    size.widths.push_back(output->size());
    shape = *output;
  }
  return size;
}

}  // namespace hpo
