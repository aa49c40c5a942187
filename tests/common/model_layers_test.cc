#include "common/model_layers.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace hpo {
namespace {

using ::testing::ElementsAre;

v1::ModelSpec Model(const std::string& text) {
  v1::ModelSpec model;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &model)) << text;
  return model;
}

// Each layer as "kind" plus its sizes, to compare whole lists at once.
std::vector<std::string> Describe(const std::vector<v1::LayerSpec>& layers) {
  std::vector<std::string> out;
  for (const v1::LayerSpec& layer : layers) {
    std::string text(LayerKindName(layer));
    if (layer.has_linear()) absl::StrAppend(&text, "(", layer.linear().out_features(), ")");
    if (layer.has_conv2d()) {
      absl::StrAppend(&text, "(", layer.conv2d().out_channels(), ", k",
                      layer.conv2d().kernel_size(), ", p", layer.conv2d().padding(), ")");
    }
    if (layer.has_max_pool2d()) absl::StrAppend(&text, "(", layer.max_pool2d().kernel_size(), ")");
    if (layer.has_dropout()) absl::StrAppend(&text, "(", layer.dropout().p(), ")");
    out.push_back(text);
  }
  return out;
}

TEST(ModelLayersTest, ShorthandsExpandAsDocumented) {
  EXPECT_THAT(Describe(ModelLayers(Model(R"pb(type: "linear")pb"))), ElementsAre("linear(0)"));
  EXPECT_THAT(Describe(ModelLayers(Model(R"pb(type: "mlp"
                                              hidden: [ 8, 4 ]
                                              activation: "gelu"
                                              dropout: 0.25)pb"))),
              ElementsAre("linear(8)", "gelu", "dropout(0.25)", "linear(4)", "gelu",
                          "dropout(0.25)", "linear(0)"));
  // The issue's CNN: conv(32)-relu-pool-conv(64)-relu-pool-linear(128)-relu-linear.
  EXPECT_THAT(Describe(ModelLayers(Model(R"pb(type: "cnn"
                                              channels: [ 32, 64 ]
                                              hidden: [ 128 ]
                                              activation: "relu")pb"))),
              ElementsAre("conv2d(32, k3, p1)", "relu", "max_pool2d(2)", "conv2d(64, k3, p1)",
                          "relu", "max_pool2d(2)", "flatten", "linear(128)", "relu", "linear(0)"));
  EXPECT_THAT(Describe(ModelLayers(Model(R"pb(type: "cnn"
                                              channels: [ 6 ]
                                              kernel_size: 5
                                              batch_norm: true)pb"))),
              ElementsAre("conv2d(6, k5, p2)", "batch_norm2d", "relu", "max_pool2d(2)", "flatten",
                          "linear(0)"));
  EXPECT_THAT(Describe(ModelLayers(Model(R"pb(type: "sequential"
                                              layers { flatten {} }
                                              layers { linear { out_features: 3 } }
                                              layers { tanh {} }
                                              layers { linear {} })pb"))),
              ElementsAre("flatten", "linear(3)", "tanh", "linear(0)"));
}

TEST(ModelLayersTest, SizesAsTorchCountsThem) {
  const ModelSize size = SizeModel(ModelLayers(Model(R"pb(type: "cnn"
                                                          channels: [ 32, 64 ]
                                                          hidden: [ 128 ])pb")),
                                   {1, 28, 28}, 10);
  ASSERT_EQ(size.failed_layer, -1) << size.failure;
  // sum(p.numel() for p in model.parameters()) of the same nn.Sequential.
  EXPECT_EQ(size.parameters, 320 + 18496 + 401536 + 1290);
  EXPECT_THAT(size.widths, ElementsAre(784, 32 * 784, 32 * 784, 32 * 196, 64 * 196, 64 * 196,
                                       64 * 49, 3136, 128, 128, 10));
  // Batch norms: a weight and a bias per channel.
  const ModelSize normed = SizeModel(ModelLayers(Model(R"pb(type: "cnn"
                                                            channels: [ 32, 64 ]
                                                            hidden: [ 128 ]
                                                            batch_norm: true)pb")),
                                     {1, 28, 28}, 10);
  EXPECT_EQ(normed.parameters, size.parameters + 2 * 32 + 2 * 64);
  // Stride, padding and average pooling; a flat input read by a linear layer.
  const ModelSize strided =
      SizeModel(ModelLayers(Model(R"pb(
                  type: "sequential"
                  layers { conv2d { out_channels: 4 kernel_size: 3 stride: 2 padding: 1 } }
                  layers { avg_pool2d { kernel_size: 3 stride: 1 padding: 1 } }
                  layers { flatten {} }
                  layers { linear { out_features: 5 } })pb")),
                {3, 9, 7}, 2);
  ASSERT_EQ(strided.failed_layer, -1) << strided.failure;
  EXPECT_THAT(strided.widths, ElementsAre(189, 4 * 5 * 4, 4 * 5 * 4, 80, 5));
  EXPECT_EQ(strided.parameters, 4 * (27 + 1) + 5 * 81);
}

TEST(ModelLayersTest, TheFirstLayerThatDoesNotFitIsNamed) {
  const ModelSize size = SizeModel(ModelLayers(Model(R"pb(
                                     type: "sequential"
                                     layers { conv2d { out_channels: 4 kernel_size: 3 } }
                                     layers { conv2d { out_channels: 4 kernel_size: 7 } }
                                     layers { linear {} })pb")),
                                   {1, 7, 7}, 10);
  EXPECT_EQ(size.failed_layer, 1);
  EXPECT_EQ(size.failure,
            "conv2d, input [4, 5, 5]: kernel_size 7 is larger than the input (5 with padding 0)");
  const ModelSize pool = SizeModel(ModelLayers(Model(R"pb(
                                     type: "sequential"
                                     layers { max_pool2d { kernel_size: 2 padding: 2 } }
                                     layers { linear {} })pb")),
                                   {1, 8, 8}, 10);
  EXPECT_EQ(pool.failed_layer, 0);
  EXPECT_EQ(pool.failure, "max_pool2d, input [1, 8, 8]: padding is 2; must be in [0, 1]");
  const ModelSize dropout = SizeModel(ModelLayers(Model(R"pb(
                                        type: "sequential"
                                        layers { dropout { p: 1 } }
                                        layers { linear {} })pb")),
                                      {5, 1, 1}, 1);
  EXPECT_EQ(dropout.failure, "dropout, input [5, 1, 1]: p is 1; must be in [0, 1)");
}

TEST(ModelLayersTest, InputShapeFromTheSpecOrTheDataset) {
  v1::TaskSpec task;
  task.mutable_dataset()->set_name("fashion-mnist");
  EXPECT_EQ(TaskInputShape(task), (Shape{1, 28, 28}));
  task.mutable_dataset()->set_name("csv");
  EXPECT_FALSE(TaskInputShape(task).has_value());
  task.mutable_model()->add_input_shape(12);
  EXPECT_EQ(TaskInputShape(task), (Shape{12, 1, 1}));
  task.mutable_model()->add_input_shape(2);
  task.mutable_model()->add_input_shape(3);
  EXPECT_EQ(TaskInputShape(task), (Shape{12, 2, 3}));
}

}  // namespace
}  // namespace hpo
