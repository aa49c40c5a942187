// Training throughput of the CNN conv(32, 3x3, pad 1)-relu-pool2-conv(64,
// 3x3, pad 1)-relu-pool2-linear(128)-relu-linear(10) on Fashion-MNIST,
// batch 128, AdamW lr 1e-3 wd 1e-2, torch's default init; prints samples/s
// per epoch and the test accuracy. The PyTorch side is train_bench.py cnn;
// run.sh runs both. Not a test.
//
// Usage: hpo_cnn_bench [epochs] [train_examples] [threads] [seed]
// (train_examples 0: all; fewer for short or profiling runs)
#include <cstdlib>

#include "tests/bench/engine/train_bench.h"

int main(int argc, char** argv) {
  using namespace hpo::engine;
  using Kind = LayerConfig::Kind;
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
  return RunTrainBench(config, argc > 1 ? std::atoi(argv[1]) : 3, argc > 2 ? std::atoi(argv[2]) : 0,
                       argc > 3 ? std::atoi(argv[3]) : 1, argc > 4 ? std::atoi(argv[4]) : 0);
}
