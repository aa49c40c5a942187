// conv2d, max_pool2d and avg_pool2d against PyTorch 1.13 (float64): outputs
// and gradients for torch's own inputs, weights and upstream gradients, with
// stride, padding, uneven inputs and ties in max pooling.
// golden/make_layer_golden.py made golden/layer_golden.json.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/status_matchers.h"
#include "worker/engine/layers/conv2d.h"
#include "worker/engine/layers/pool2d.h"

namespace hpo::engine {
namespace {

using Json = nlohmann::json;

Shape ShapeOf(const Json& json) { return Shape{json[0], json[1], json[2]}; }

std::unique_ptr<Layer<double>> Make(const Json& c) {
  const Shape input = ShapeOf(c["input_shape"]);
  if (c["layer"] == "conv2d") {
    absl::StatusOr<std::unique_ptr<Conv2d<double>>> conv =
        Conv2d<double>::Create(input, {.out_channels = c["out_channels"],
                                       .kernel_size = c["kernel_size"],
                                       .stride = c["stride"],
                                       .padding = c["padding"]});
    EXPECT_OK(conv);
    return conv.ok() ? *std::move(conv) : nullptr;
  }
  const PoolKind kind = c["layer"] == "max_pool2d" ? PoolKind::kMax : PoolKind::kAverage;
  absl::StatusOr<std::unique_ptr<Pool2d<double>>> pool = Pool2d<double>::Create(
      kind, input,
      {.kernel_size = c["kernel_size"], .stride = c["stride"], .padding = c["padding"]});
  EXPECT_OK(pool);
  return pool.ok() ? *std::move(pool) : nullptr;
}

void ExpectNear(const std::vector<double>& actual, const Json& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i].get<double>(), 1e-12) << what << "[" << i << "]";
  }
}

TEST(LayerTorchGoldenTest, OutputsAndGradientsAreTorchs) {
  std::ifstream in(HPO_SOURCE_DIR "/tests/engine/golden/layer_golden.json");
  ASSERT_TRUE(in.good());
  const Json golden = Json::parse(in);
  ASSERT_GE(golden["cases"].size(), 9u);
  for (const Json& c : golden["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    std::unique_ptr<Layer<double>> layer = Make(c);
    ASSERT_NE(layer, nullptr);
    ASSERT_EQ(layer->output_shape(), ShapeOf(c["output_shape"]));
    const int batch = c["batch"];
    std::vector<double> parameters, gradients(layer->num_parameters(), 0.0);
    if (c["layer"] == "conv2d") {  // torch's order: the weight, then the bias
      for (const Json* part : {&c["weight"], &c["bias"]}) {
        for (const Json& v : *part) parameters.push_back(v);
      }
    }
    ASSERT_EQ(static_cast<int64_t>(parameters.size()), layer->num_parameters());
    layer->Bind(parameters.data(), gradients.data());
    layer->Reserve(batch);

    // torch's N x C x H x W, row-major, is our C*H*W x N, column-major.
    const std::vector<double> x = c["x"].get<std::vector<double>>();
    const std::vector<double> dy = c["dy"].get<std::vector<double>>();
    const int64_t in_size = layer->input_shape().size(), out_size = layer->output_shape().size();
    std::vector<double> y(out_size * batch), dx(in_size * batch);
    Rng rng(1);  // a training pass: max pooling records where its maxima are
    layer->Forward(Layer<double>::ConstMatrixMap(x.data(), in_size, batch),
                   Layer<double>::MatrixMap(y.data(), out_size, batch), &rng);
    ExpectNear(y, c["y"], "y");
    layer->Backward(Layer<double>::ConstMatrixMap(x.data(), in_size, batch),
                    Layer<double>::ConstMatrixMap(y.data(), out_size, batch),
                    Layer<double>::ConstMatrixMap(dy.data(), out_size, batch), dx.data());
    ExpectNear(dx, c["dx"], "dx");
    if (c["layer"] == "conv2d") {
      std::vector<double> expected = c["dweight"].get<std::vector<double>>();
      for (const Json& v : c["dbias"]) expected.push_back(v);
      ExpectNear(gradients, expected, "d(weight, bias)");
    }
  }
}

}  // namespace
}  // namespace hpo::engine
