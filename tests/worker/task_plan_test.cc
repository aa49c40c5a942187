#include "worker/task_plan.h"

#include <cmath>
#include <string>

#include "common/model_layers.h"
#include "common/spec_validator.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "worker/engine/data.h"
#include "worker/engine/trainer.h"

namespace hpo::worker {
namespace {

using Kind = engine::LayerConfig::Kind;

// A small fashion-mnist study's task, defaults applied as the coordinator
// stores it.
v1::TaskSpec Task(const std::string& model) {
  v1::StudySpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(name: "t"
           params {
             name: "lr"
             float_distribution { low: 0.001 high: 0.01 }
           }
           task { dataset { name: "fashion-mnist" train_examples: 512 validation_examples: 256 }
                  epochs: 1
                  batch_size: 64
                  seed: 5
                  model {)pb" +
          model + "} }",
      &spec));
  ApplyStudySpecDefaults(&spec);
  EXPECT_OK(ValidateStudySpec(spec));
  return spec.task();
}

google::protobuf::Map<std::string, v1::ParamValue> Params(const std::string& name, int64_t value) {
  google::protobuf::Map<std::string, v1::ParamValue> params;
  params[name].set_int_value(value);
  return params;
}

TEST(TaskPlanTest, ACnnBecomesItsLayersWithTheSearchedChannels) {
  const v1::TaskSpec task = Task(R"pb(type: "cnn"
                                      channels: [ 4, 8 ]
                                      hidden: [ 16 ])pb");
  absl::StatusOr<TaskPlan> planned = PlanTask(task, Params("channels", 6));
  ASSERT_OK(planned);
  const TaskPlan& plan = *planned;
  const std::vector<engine::LayerConfig>& layers = plan.train.layers;
  ASSERT_EQ(layers.size(), 10u);
  EXPECT_EQ(layers[0].kind, Kind::kConv2d);
  EXPECT_EQ(layers[0].size, 6);
  EXPECT_EQ(layers[0].kernel_size, 3);
  EXPECT_EQ(layers[0].padding, 1);
  EXPECT_EQ(layers[2].kind, Kind::kMaxPool2d);
  EXPECT_EQ(layers[2].stride, 2);
  EXPECT_EQ(layers[3].size, 6);
  EXPECT_EQ(layers[6].kind, Kind::kFlatten);
  EXPECT_EQ(layers[7].size, 16);
  EXPECT_EQ(layers[9].kind, Kind::kLinear);
  EXPECT_EQ(layers[9].size, 0);  // the data's classes
  EXPECT_EQ(plan.train.input_shape, (Shape{1, 28, 28}));

  // It trains on real data, with as many parameters as the door counted.
  absl::StatusOr<engine::DataSplit> split = engine::LoadData(plan.data);
  ASSERT_OK(split);
  absl::StatusOr<engine::TrainSummary> summary =
      engine::Train(plan.train, *split, [](const engine::EpochReport& r) {
        EXPECT_TRUE(std::isfinite(r.val_loss));
        return engine::Decision::kContinue;
      });
  ASSERT_OK(summary);
  v1::TaskSpec searched = task;
  searched.mutable_model()->set_channels(0, 6);
  searched.mutable_model()->set_channels(1, 6);
  const ModelSize size = SizeModel(ModelLayers(searched.model()), {1, 28, 28}, 10);
  EXPECT_EQ(static_cast<int64_t>(summary->parameters.size()), size.parameters);
  EXPECT_GT(summary->epochs.back().val_accuracy, 0.2);
}

// The spec's mlp trains exactly as the engine's own MLP of the same widths.
TEST(TaskPlanTest, AnMlpTrainsAsTheEnginesMlp) {
  const v1::TaskSpec task = Task(R"pb(type: "mlp"
                                      hidden: [ 32, 16 ]
                                      dropout: 0.1)pb");
  absl::StatusOr<TaskPlan> plan = PlanTask(task, Params("width", 24));
  ASSERT_OK(plan);
  absl::StatusOr<engine::DataSplit> split = engine::LoadData(plan->data);
  ASSERT_OK(split);
  engine::TrainConfig mlp = plan->train;
  mlp.layers.clear();
  mlp.input_shape.reset();
  mlp.hidden = {24, 24};
  mlp.dropout = 0.1;
  const auto keep_going = [](const engine::EpochReport&) { return engine::Decision::kContinue; };
  absl::StatusOr<engine::TrainSummary> from_spec = engine::Train(plan->train, *split, keep_going);
  ASSERT_OK(from_spec);
  absl::StatusOr<engine::TrainSummary> engine_mlp = engine::Train(mlp, *split, keep_going);
  ASSERT_OK(engine_mlp);
  EXPECT_EQ(from_spec->parameters, engine_mlp->parameters);
  EXPECT_EQ(from_spec->epochs.back().val_loss, engine_mlp->epochs.back().val_loss);
}

TEST(TaskPlanTest, ASequentialModelKeepsItsLayers) {
  const v1::TaskSpec task = Task(R"pb(type: "sequential"
                                      layers { avg_pool2d { kernel_size: 4 } }
                                      layers { dropout {} }
                                      layers { flatten {} }
                                      layers { gelu {} }
                                      layers { linear { out_features: 10 } })pb");
  absl::StatusOr<TaskPlan> plan = PlanTask(task, {});
  ASSERT_OK(plan);
  const std::vector<engine::LayerConfig>& layers = plan->train.layers;
  ASSERT_EQ(layers.size(), 5u);
  EXPECT_EQ(layers[0].kind, Kind::kAvgPool2d);
  EXPECT_EQ(layers[0].stride, 4);
  EXPECT_EQ(layers[1].p, 0.5);  // torch.nn.Dropout's default
  EXPECT_EQ(layers[3].kind, Kind::kActivation);
  EXPECT_EQ(layers[3].activation, engine::Activation::kGelu);
  EXPECT_EQ(layers[4].size, 10);
}

}  // namespace
}  // namespace hpo::worker
