// batch_norm1d and batch_norm2d against PyTorch 1.13 (float64): training
// passes (outputs, gradients, running statistics) and evaluation passes with
// the running statistics they left. golden/make_batch_norm_golden.py made
// golden/batch_norm_golden.json.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/status_matchers.h"
#include "worker/engine/layers/batch_norm.h"

namespace hpo::engine {
namespace {

using Json = nlohmann::json;
using Map = Layer<double>::MatrixMap;
using ConstMap = Layer<double>::ConstMatrixMap;

void ExpectNear(const double* actual, const Json& expected, const std::string& what) {
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i].get<double>(), 1e-10) << what << "[" << i << "]";
  }
}

TEST(BatchNormTorchGoldenTest, TrainingAndEvaluationPassesAreTorchs) {
  std::ifstream in(HPO_SOURCE_DIR "/tests/engine/golden/batch_norm_golden.json");
  ASSERT_TRUE(in) << "golden file missing";
  const Json golden = Json::parse(in);
  ASSERT_EQ(golden["cases"].size(), 3u);
  for (const Json& c : golden["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const Shape input{c["input_shape"][0], c["input_shape"][1], c["input_shape"][2]};
    absl::StatusOr<std::unique_ptr<BatchNorm<double>>> made = BatchNorm<double>::Create(
        input,
        {.spatial = c["layer"] == "batch_norm2d", .eps = c["eps"], .momentum = c["momentum"]});
    ASSERT_OK(made);
    BatchNorm<double>& layer = **made;
    const int channels = input.channels;
    ASSERT_EQ(layer.num_parameters(), 2 * channels);
    std::vector<double> parameters(2 * channels), gradients(2 * channels);
    layer.Bind(parameters.data(), gradients.data());
    Rng rng(1, 0);
    layer.Initialize(Init::kHeNormal, 1.0, rng);
    for (int i = 0; i < channels; ++i) {
      EXPECT_EQ(parameters[i], 1.0);
      EXPECT_EQ(parameters[channels + i], 0.0);
      parameters[i] = c["weight"][i];
      parameters[channels + i] = c["bias"][i];
    }
    for (const Json& pass : c["passes"]) {
      const int batch = pass["batch"];
      const std::vector<double> x = pass["x"];
      std::vector<double> y(x.size());
      const ConstMap x_map(x.data(), input.size(), batch);
      const bool train = pass["mode"] == "train";
      SCOPED_TRACE(pass["mode"].get<std::string>());
      layer.Forward(x_map, Map(y.data(), input.size(), batch), train ? &rng : nullptr);
      ExpectNear(y.data(), pass["y"], "y");
      if (!train) continue;
      std::fill(gradients.begin(), gradients.end(), 0.0);
      const std::vector<double> dy = pass["dy"];
      std::vector<double> dx(x.size());
      layer.Backward(x_map, ConstMap(y.data(), input.size(), batch),
                     ConstMap(dy.data(), input.size(), batch), dx.data());
      ExpectNear(dx.data(), pass["dx"], "dx");
      ExpectNear(gradients.data(), pass["dweight"], "dweight");
      ExpectNear(gradients.data() + channels, pass["dbias"], "dbias");
      ExpectNear(layer.running_mean().data(), pass["running_mean"], "running_mean");
      ExpectNear(layer.running_var().data(), pass["running_var"], "running_var");
    }
  }
}

TEST(BatchNormTest, SettingsAreCheckedNamingThem) {
  EXPECT_THAT(BatchNorm<float>::Create({4, 3, 3}, {.spatial = false}).status(),
              hpo::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                     "batch_norm1d needs a flat input (flatten first, or use "
                                     "batch_norm2d)"));
  EXPECT_THAT(
      BatchNorm<float>::Create({4, 1, 1}, {.eps = 0}).status(),
      hpo::testing::StatusIs(absl::StatusCode::kInvalidArgument, "eps is 0; must be > 0 and < 1"));
  EXPECT_THAT(BatchNorm<float>::Create({4, 1, 1}, {.momentum = 1.5}).status(),
              hpo::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                     "momentum is 1.5; must be in [0, 1]"));
}

}  // namespace
}  // namespace hpo::engine
