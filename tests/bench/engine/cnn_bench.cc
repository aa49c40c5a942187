// Training throughput of the CNN conv(32, 3x3, pad 1)-relu-pool2-conv(64,
// 3x3, pad 1)-relu-pool2-linear(128)-relu-linear(10) on Fashion-MNIST,
// batch 128, one thread, AdamW lr 1e-3 wd 1e-2, torch's default init; prints
// samples/s per epoch and the test accuracy. The PyTorch side is
// cnn_bench.py; run.sh runs both. Not a test.
//
// Usage: hpo_cnn_bench [epochs] [train_examples]  (the last for short or
// profiling runs)
#include <cstdio>
#include <cstdlib>
#include <string>

#include "worker/engine/data.h"
#include "worker/engine/trainer.h"

int main(int argc, char** argv) {
  using namespace hpo::engine;
  using Kind = LayerConfig::Kind;
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 3;
  DataConfig data;
  data.name = "fashion-mnist";
  data.validation_examples = 5000;  // 55,000 training images, as cnn_bench.py
  data.seed = 0;
  if (argc > 2) data.train_examples = std::atoi(argv[2]);
  auto split = LoadData(data);
  if (!split.ok()) {
    std::fprintf(stderr, "%s\n", std::string(split.status().message()).c_str());
    return 1;
  }
  TrainConfig config;
  config.input_shape = Shape{1, 28, 28};
  const LayerConfig relu{.kind = Kind::kActivation, .activation = Activation::kRelu};
  const LayerConfig pool{.kind = Kind::kMaxPool2d, .kernel_size = 2};
  config.layers = {{.kind = Kind::kConv2d, .size = 32, .kernel_size = 3, .padding = 1},
                   relu,
                   pool,
                   {.kind = Kind::kConv2d, .size = 64, .kernel_size = 3, .padding = 1},
                   relu,
                   pool,
                   {.kind = Kind::kFlatten},
                   {.kind = Kind::kLinear, .size = 128},
                   relu,
                   {.kind = Kind::kLinear, .size = 10}};
  config.init = Init::kTorchDefault;  // nn.Conv2d's and nn.Linear's, as the PyTorch side
  config.optimizer.lr = 1e-3;
  config.optimizer.weight_decay = 1e-2;
  config.epochs = epochs;
  config.batch_size = 128;
  config.seed = 0;
  double best = 0;
  auto summary = Train(config, *split, [&best](const EpochReport& r) {
    std::printf("hpo epoch %d: train_loss %.4f val_acc %.4f  %.0f samples/s\n", r.epoch,
                r.train_loss, r.val_accuracy, r.samples_per_s);
    std::fflush(stdout);
    if (r.samples_per_s > best) best = r.samples_per_s;
    return Decision::kContinue;
  });
  if (!summary.ok()) {
    std::fprintf(stderr, "%s\n", std::string(summary.status().message()).c_str());
    return 1;
  }
  std::printf("{\"samples_per_s\": %.0f, \"test_accuracy\": %.4f}\n", best, summary->test_accuracy);
  return 0;
}
