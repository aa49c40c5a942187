// Names shared by the spec validator (common/) and the training engine
// (worker/engine/): which training settings a study may search or fix.
#ifndef HPO_COMMON_TASK_SETTINGS_H_
#define HPO_COMMON_TASK_SETTINGS_H_

#include <array>
#include <string_view>

namespace hpo {

inline constexpr std::array<std::string_view, 4> kActivationNames = {"relu", "tanh", "sigmoid",
                                                                    "gelu"};
inline constexpr std::array<std::string_view, 6> kInitNames = {
    "he_normal", "he_uniform", "xavier_normal", "xavier_uniform", "torch_default", "normal"};
inline constexpr std::array<std::string_view, 2> kModelTypes = {"mlp", "linear"};
inline constexpr std::array<std::string_view, 3> kDatasetNames = {"fashion-mnist",
                                                                 "synthetic-regression", "csv"};
// csv datasets: what the label column holds, and how features are scaled.
inline constexpr std::array<std::string_view, 2> kProblemNames = {"classification", "regression"};
inline constexpr std::array<std::string_view, 2> kScalingNames = {"none", "standardize"};
// Losses, as PyTorch's nn.CrossEntropyLoss, nn.MSELoss and nn.BCEWithLogitsLoss.
inline constexpr std::array<std::string_view, 3> kLossNames = {"cross_entropy", "mse",
                                                              "binary_cross_entropy"};
// Learning-rate schedules, stepped once per optimiser step.
inline constexpr std::array<std::string_view, 4> kScheduleNames = {"constant", "step", "cosine",
                                                                  "warmup_cosine"};
inline constexpr std::string_view kFashionMnistDefaultPath = "/usr/share/datasets/fashion-mnist";
// Fashion-MNIST's shape: 28 x 28 images in 10 classes.
inline constexpr int kFashionMnistPixels = 28 * 28;
inline constexpr int kFashionMnistClasses = 10;

// Parameters a study with a task may search, by kind. A searched parameter of
// one of these names overrides the task's fixed setting for that trial.
inline constexpr std::array<std::string_view, 7> kFloatTaskSettings = {
    "lr", "weight_decay", "beta1", "beta2", "eps", "dropout", "max_grad_norm"};
// width: every hidden layer of the mlp gets this many units.
inline constexpr std::array<std::string_view, 4> kIntTaskSettings = {"batch_size", "epochs",
                                                                    "width", "warmup_steps"};
inline constexpr std::array<std::string_view, 2> kCategoricalTaskSettings = {"activation",
                                                                            "init"};

}  // namespace hpo

#endif  // HPO_COMMON_TASK_SETTINGS_H_
