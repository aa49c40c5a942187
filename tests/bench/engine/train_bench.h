// The training benchmarks' common part (mlp_bench.cc, cnn_bench.cc): trains
// `config` on Fashion-MNIST (55,000 training images, as their PyTorch side
// train_bench.py, or the first `train_examples` of them when > 0) on
// `threads` threads, AdamW lr 1e-3 wd 1e-2, batch 128, `seed` (init and
// order; the validation split's seed is 0); prints samples/s per epoch and,
// last, a JSON line with the best epoch's samples/s and the test accuracy.
// Returns the process's exit code.
#ifndef HPO_TESTS_BENCH_ENGINE_TRAIN_BENCH_H_
#define HPO_TESTS_BENCH_ENGINE_TRAIN_BENCH_H_

#include <cstdio>
#include <string>

#include "worker/engine/data.h"
#include "worker/engine/trainer.h"

inline int RunTrainBench(hpo::engine::TrainConfig config, int epochs, int train_examples,
                         int threads, int seed) {
  using namespace hpo::engine;
  DataConfig data;
  data.name = "fashion-mnist";
  data.validation_examples = 5000;
  data.seed = 0;
  if (train_examples > 0) data.train_examples = train_examples;
  auto split = LoadData(data);
  if (!split.ok()) {
    std::fprintf(stderr, "%s\n", std::string(split.status().message()).c_str());
    return 1;
  }
  config.optimizer.lr = 1e-3;
  config.optimizer.weight_decay = 1e-2;
  config.epochs = epochs;
  config.batch_size = 128;
  config.seed = seed;
  config.threads = threads;
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

#endif  // HPO_TESTS_BENCH_ENGINE_TRAIN_BENCH_H_
