// Training throughput of a 784-256-128-10 ReLU MLP on Fashion-MNIST, batch
// 128, one thread, AdamW lr 1e-3 wd 1e-2, 3 epochs; prints samples/s per
// epoch and the test accuracy. The PyTorch side is mlp_bench.py; run.sh runs
// both. Not a test.
//
// Usage: hpo_mlp_bench [epochs] [init] [train_examples]  (the last for
// profiling runs, e.g. under valgrind --tool=callgrind)
#include <cstdio>
#include <cstdlib>
#include <string>

#include "worker/engine/data.h"
#include "worker/engine/trainer.h"

int main(int argc, char** argv) {
  using namespace hpo::engine;
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 3;
  DataConfig data;
  data.name = "fashion-mnist";
  data.validation_examples = 5000;  // 55,000 training images, as mlp_bench.py
  data.seed = 0;
  if (argc > 3) data.train_examples = std::atoi(argv[3]);
  auto split = LoadData(data);
  if (!split.ok()) {
    std::fprintf(stderr, "%s\n", std::string(split.status().message()).c_str());
    return 1;
  }
  TrainConfig config;
  config.hidden = {256, 128};
  config.activation = Activation::kRelu;
  config.init = Init::kTorchDefault;  // nn.Linear's, as the PyTorch side
  if (argc > 2) {
    auto init = ParseInit(argv[2]);
    if (!init.ok()) return 1;
    config.init = *init;
  }
  config.optimizer.lr = 1e-3;
  config.optimizer.weight_decay = 1e-2;
  config.epochs = epochs;
  config.batch_size = 128;
  config.seed = 0;
  double best = 0;
  auto summary = Train(config, *split, [&best](const EpochReport& r) {
    std::printf("hpo epoch %d: train_loss %.4f val_acc %.4f  %.0f samples/s\n", r.epoch,
                r.train_loss, r.val_accuracy, r.samples_per_s);
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
