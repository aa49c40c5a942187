// Training throughput of a 784-256-128-10 ReLU MLP on Fashion-MNIST, batch
// 128, AdamW lr 1e-3 wd 1e-2, 3 epochs; prints samples/s per epoch and the
// test accuracy. The PyTorch side is train_bench.py mlp; run.sh runs both.
// Not a test.
//
// Usage: hpo_mlp_bench [epochs] [init] [train_examples] [threads]
// (train_examples 0: all; fewer for profiling runs, e.g. under valgrind
// --tool=callgrind)
#include <cstdlib>

#include "tests/bench/engine/train_bench.h"

int main(int argc, char** argv) {
  using namespace hpo::engine;
  TrainConfig config;
  config.hidden = {256, 128};
  config.activation = Activation::kRelu;
  config.init = Init::kTorchDefault;  // nn.Linear's, as the PyTorch side
  if (argc > 2) {
    auto init = ParseInit(argv[2]);
    if (!init.ok()) return 1;
    config.init = *init;
  }
  return RunTrainBench(config, argc > 1 ? std::atoi(argv[1]) : 3, argc > 3 ? std::atoi(argv[3]) : 0,
                       argc > 4 ? std::atoi(argv[4]) : 1, /*seed=*/0);
}
