#include "common/spec_parser.h"

#include <cmath>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace hpo {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

v1::StudySpec TextProto(const std::string& text) {
  v1::StudySpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &spec)) << text;
  return spec;
}

MATCHER_P(EqualsProto, expected, "") {
  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  if (differencer.Compare(expected, arg)) return true;
  *result_listener << diff;
  return false;
}

TEST(SpecParserTest, EverySectionRoundTrips) {
  constexpr char kYaml[] = R"(# a full spec
name: fmnist-adamw
direction: maximize
sampler: {type: random, seed: 7}
pruner: {type: none}
max_trials: 40
lease_seconds: 12.5
params:
  lr: {type: float, low: 1.0e-5, high: 1.0e-1, log: true}
  beta1: {type: float, low: 0.8, high: 0.99, step: 0.01}
  width:
    type: int
    low: 16
    high: 512
    log: true
  batch_size: {type: int, low: 32, high: 256, step: 32}
  activation: {type: categorical, choices: [relu, tanh, gelu]}
task:
  dataset: {name: fashion-mnist, train_examples: 10000, validation_examples: 5000,
            path: /data/fmnist, seed: 3}
  model: {type: mlp, hidden: [256, 128], activation: tanh, init: xavier_uniform}
  optimizer: {type: adamw, lr: 0.002, weight_decay: 0.05, beta1: 0.85, beta2: 0.995, eps: 1.0e-7}
  epochs: 5
  batch_size: 64
  seed: 11
)";
  absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml(kYaml, "spec.yaml");
  ASSERT_OK(parsed);
  EXPECT_THAT(parsed->spec, EqualsProto(TextProto(R"pb(
                name: "fmnist-adamw"
                direction: MAXIMIZE
                sampler { type: "random" seed: 7 }
                pruner { type: "none" }
                max_trials: 40
                lease_seconds: 12.5
                params {
                  name: "lr"
                  float_distribution { low: 1e-5 high: 0.1 log: true }
                }
                params {
                  name: "beta1"
                  float_distribution { low: 0.8 high: 0.99 step: 0.01 }
                }
                params {
                  name: "width"
                  int_distribution { low: 16 high: 512 log: true }
                }
                params {
                  name: "batch_size"
                  int_distribution { low: 32 high: 256 step: 32 }
                }
                params {
                  name: "activation"
                  categorical_distribution { choices: [ "relu", "tanh", "gelu" ] }
                }
                task {
                  dataset {
                    name: "fashion-mnist"
                    train_examples: 10000
                    validation_examples: 5000
                    path: "/data/fmnist"
                    seed: 3
                  }
                  model {
                    type: "mlp"
                    hidden: [ 256, 128 ]
                    activation: "tanh"
                    init: "xavier_uniform"
                  }
                  optimizer {
                    type: "adamw"
                    lr: 0.002
                    weight_decay: 0.05
                    beta1: 0.85
                    beta2: 0.995
                    eps: 1e-7
                  }
                  epochs: 5
                  batch_size: 64
                  seed: 11
                }
              )pb")));
  EXPECT_EQ(parsed->lines.at("name"), 2);
  EXPECT_EQ(parsed->lines.at("sampler.seed"), 4);
  EXPECT_EQ(parsed->lines.at("params"), 8);
  EXPECT_EQ(parsed->lines.at("params.lr"), 9);
  EXPECT_EQ(parsed->lines.at("params.width.high"), 14);
  EXPECT_EQ(parsed->lines.at("params.activation.choices[2]"), 17);
  EXPECT_EQ(parsed->lines.at("task.dataset.seed"), 20);
  EXPECT_EQ(parsed->lines.at("task.model.hidden[1]"), 21);
  EXPECT_EQ(parsed->lines.at("task.seed"), 25);
}

TEST(SpecParserTest, TrainingChoicesRoundTrip) {
  absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml(R"(name: s
params:
  x: {type: float, low: 0, high: 1}
task:
  dataset: {name: csv, path: a.csv, test_path: b.csv, label_column: "3", header: false,
            problem: regression, scaling: standardize}
  model: {type: mlp, hidden: [4], dropout: 0.25}
  optimizer: {amsgrad: true}
  loss: mse
  schedule: {type: step, step_size: 10, gamma: 0.5, eta_min: 0.001, warmup_steps: 3}
  max_grad_norm: 2.5
)",
                                                         "s.yaml");
  ASSERT_OK(parsed);
  EXPECT_THAT(parsed->spec.task(), EqualsProto(TextProto(R"pb(task {
                dataset {
                  name: "csv"
                  path: "a.csv"
                  test_path: "b.csv"
                  label_column: "3"
                  header: false
                  problem: "regression"
                  scaling: "standardize"
                }
                model { type: "mlp" hidden: 4 dropout: 0.25 }
                optimizer { amsgrad: true }
                loss: "mse"
                schedule { type: "step" step_size: 10 gamma: 0.5 eta_min: 0.001 warmup_steps: 3 }
                max_grad_norm: 2.5
              })pb").task()));
  EXPECT_EQ(parsed->lines.at("task.schedule.warmup_steps"), 10);
}

// The issue's layer list, as torch.nn.Sequential would be written, and the
// cnn shorthand.
TEST(SpecParserTest, LayersAndTheCnnShorthand) {
  absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml(R"(name: s
params:
  lr: {type: float, low: 1.0e-4, high: 1.0e-2}
task:
  dataset: {name: fashion-mnist}
  model:
    type: sequential
    input_shape: [1, 28, 28]
    layers:
      - {conv2d: {out_channels: 32, kernel_size: 3, padding: 1}}
      - {relu: {}}
      - {max_pool2d: {kernel_size: 2, stride: 2}}
      - {dropout: {p: 0.25}}
      - {flatten: {}}
      - {linear: {out_features: 10}}
)",
                                                         "s.yaml");
  ASSERT_OK(parsed);
  EXPECT_THAT(
      parsed->spec.task().model(),
      EqualsProto(
          TextProto(R"pb(task {
                           model {
                             type: "sequential"
                             input_shape: [ 1, 28, 28 ]
                             layers { conv2d { out_channels: 32 kernel_size: 3 padding: 1 } }
                             layers { relu {} }
                             layers { max_pool2d { kernel_size: 2 stride: 2 } }
                             layers { dropout { p: 0.25 } }
                             layers { flatten {} }
                             layers { linear { out_features: 10 } }
                           }
                         })pb")
              .task()
              .model()));
  EXPECT_EQ(parsed->lines.at("task.model.layers[3].dropout.p"), 13);

  parsed = ParseStudySpecYaml(
      "name: s\ntask:\n  model: {type: cnn, channels: [32, 64], kernel_size: 5, hidden: [128]}\n",
      "s.yaml");
  ASSERT_OK(parsed);
  EXPECT_THAT(parsed->spec.task().model(), EqualsProto(TextProto(R"pb(task {
                                                                        model {
                                                                          type: "cnn"
                                                                          channels: [ 32, 64 ]
                                                                          kernel_size: 5
                                                                          hidden: [ 128 ]
                                                                        }
                                                                      })pb")
                                                           .task()
                                                           .model()));
}

// One entry is one layer: a second kind in it is refused, not silently kept.
TEST(SpecParserTest, OneLayerPerEntry) {
  EXPECT_THAT(ParseStudySpecYaml(R"(name: s
task:
  model:
    type: sequential
    layers:
      - {flatten: {}}
      - conv2d: {out_channels: 8, kernel_size: 3}
        relu: {}
)",
                                 "s.yaml"),
              StatusIs(kInvalid,
                       "s.yaml:8: task.model.layers[1].relu: only one of conv2d and "
                       "relu may be given here"));
  EXPECT_THAT(ParseStudySpecYaml("name: s\ntask:\n  model:\n    layers: [{pool: {}}]\n", "s.yaml"),
              StatusIs(kInvalid, HasSubstr("task.model.layers[0].pool: unknown field (expected "
                                           "one of: linear, conv2d, max_pool2d, avg_pool2d")));
}

TEST(SpecParserTest, MinimalSpecLeavesEverythingElseUnset) {
  absl::StatusOr<ParsedSpec> parsed =
      ParseStudySpecYaml("name: s\nparams:\n  x: {type: float, low: 0, high: 1}\n", "s.yaml");
  ASSERT_OK(parsed);
  EXPECT_THAT(parsed->spec, EqualsProto(TextProto(R"pb(
                name: "s"
                params {
                  name: "x"
                  float_distribution { low: 0 high: 1 }
                }
              )pb")));
  EXPECT_FALSE(parsed->spec.has_task());
  EXPECT_FALSE(parsed->spec.sampler().has_seed());
  EXPECT_THAT(parsed->lines,
              UnorderedElementsAre(Pair("name", 1), Pair("params", 2), Pair("params.x", 3),
                                   Pair("params.x.type", 3), Pair("params.x.low", 3),
                                   Pair("params.x.high", 3)));
}

TEST(SpecParserTest, ParamsKeepFileOrder) {
  absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml(R"(params:
  zeta: {type: int, low: 1, high: 2}
  alpha: {type: int, low: 1, high: 2}
  mid: {type: int, low: 1, high: 2}
)",
                                                         "s.yaml");
  ASSERT_OK(parsed);
  ASSERT_EQ(parsed->spec.params_size(), 3);
  EXPECT_EQ(parsed->spec.params(0).name(), "zeta");
  EXPECT_EQ(parsed->spec.params(1).name(), "alpha");
  EXPECT_EQ(parsed->spec.params(2).name(), "mid");
}

TEST(SpecParserTest, EmptyTaskIsPresent) {
  absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml("task: {}\n", "s.yaml");
  ASSERT_OK(parsed);
  EXPECT_TRUE(parsed->spec.has_task());
}

TEST(SpecParserTest, DirectionIsCaseInsensitive) {
  absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml("direction: Minimize\n", "s.yaml");
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->spec.direction(), v1::MINIMIZE);
  EXPECT_THAT(ParseStudySpecYaml("direction: down\n", "s.yaml"),
              StatusIs(kInvalid,
                       "s.yaml:1: direction: unknown direction \"down\" (expected one "
                       "of: minimize, maximize)"));
}

TEST(SpecParserTest, SpecialFloatsAndBigSeeds) {
  absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml(R"(sampler: {seed: 18446744073709551615}
params:
  x: {type: float, low: -.inf, high: .nan}
)",
                                                         "s.yaml");
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->spec.sampler().seed(), 18446744073709551615ULL);
  EXPECT_TRUE(std::isinf(parsed->spec.params(0).float_distribution().low()));
  EXPECT_TRUE(std::isnan(parsed->spec.params(0).float_distribution().high()));
}

TEST(SpecParserTest, UnknownParamFieldNamesFieldLineAndChoices) {
  constexpr char kYaml[] = R"(name: s
direction: minimize
sampler: {type: random}
max_trials: 3
params:
  lr:
    lgo: true
    type: float
    low: 1.0e-5
    high: 0.1
)";
  EXPECT_THAT(ParseStudySpecYaml(kYaml, "spec.yaml"),
              StatusIs(kInvalid,
                       "spec.yaml:7: params.lr.lgo: unknown field (expected one of: "
                       "type, low, high, log, step)"));
}

TEST(SpecParserTest, UnknownFieldsInEverySection) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"nme: x\n",
       "s.yaml:1: nme: unknown field (expected one of: name, direction, objective, sampler, "
       "pruner, max_trials, params, task, lease_seconds, max_retries)"},
      {"sampler:\n  type: random\n  sed: 1\n",
       "s.yaml:3: sampler.sed: unknown field (expected one of: type, seed, n_startup_trials, "
       "n_ei_candidates, gamma, prior_weight, multivariate, constant_liar, "
       "consider_magic_clip, consider_endpoints, deterministic_objective)"},
      {"pruner: {kind: none}\n",
       "s.yaml:1: pruner.kind: unknown field (expected one of: type, n_startup_trials, "
       "n_warmup_steps, interval_steps, n_min_trials, min_resource, reduction_factor, "
       "min_early_stopping_rate, max_resource)"},
      {"params:\n  c: {type: categorical, choices: [a], low: 1}\n",
       "s.yaml:2: params.c.low: unknown field (expected one of: type, choices)"},
      {"params:\n  n: {type: int, low: 1, high: 2, choices: [a]}\n",
       "s.yaml:2: params.n.choices: unknown field (expected one of: type, low, high, log, step)"},
      {"task:\n  epoch: 3\n",
       "s.yaml:2: task.epoch: unknown field (expected one of: dataset, "
       "model, optimizer, epochs, batch_size, seed, loss, schedule, max_grad_norm)"},
      {"task:\n  dataset: {name: x, size: 3}\n",
       "s.yaml:2: task.dataset.size: unknown field (expected one of: name, train_examples, "
       "validation_examples, path, seed, test_path, label_column, header, problem, scaling)"},
      {"task:\n  model:\n    filters: [1]\n",
       "s.yaml:3: task.model.filters: unknown field (expected one of: type, hidden, activation, "
       "init, dropout, layers, input_shape, channels, kernel_size, batch_norm)"},
      {"task:\n  optimizer: {momentum: 0.9}\n",
       "s.yaml:2: task.optimizer.momentum: unknown field (expected one of: type, lr, "
       "weight_decay, beta1, beta2, eps, amsgrad)"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseStudySpecYaml(c.yaml, "s.yaml"), StatusIs(kInvalid, c.message)) << c.yaml;
  }
}

TEST(SpecParserTest, WrongScalarTypesNameTheField) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"params:\n  lr: {type: float, low: abc, high: 1}\n",
       "s.yaml:2: params.lr.low: expected a number, got \"abc\""},
      {"params:\n  lr: {type: float, low: \"0.1\", high: 1}\n",
       "s.yaml:2: params.lr.low: expected a number, got the quoted string \"0.1\""},
      {"params:\n  n: {type: int, low: 1.5, high: 3}\n",
       "s.yaml:2: params.n.low: expected an integer, got \"1.5\""},
      {"params:\n  n: {type: int, low: 1, high: 1e30}\n",
       "s.yaml:2: params.n.high: out of range for a 64-bit integer (got 1e30)"},
      {"params:\n  lr: {type: float, low: 0, high: 1, log: maybe}\n",
       "s.yaml:2: params.lr.log: expected true or false, got \"maybe\""},
      {"max_trials: many\n", "s.yaml:1: max_trials: expected an integer, got \"many\""},
      {"max_trials: 3000000000\n",
       "s.yaml:1: max_trials: out of range for a 32-bit integer (got 3000000000)"},
      {"sampler: {seed: -4}\n",
       "s.yaml:1: sampler.seed: expected a non-negative integer, got \"-4\""},
      {"name: [a, b]\n", "s.yaml:1: name: expected a string, got a list"},
      {"name:\n", "s.yaml:1: name: expected a string, got nothing"},
      {"lease_seconds: {a: 1}\n", "s.yaml:1: lease_seconds: expected a number, got a mapping"},
      {"task:\n  model: {hidden: 64}\n",
       "s.yaml:2: task.model.hidden: expected a list, got a scalar"},
      {"task:\n  model:\n    hidden:\n      - 64\n      - wide\n",
       "s.yaml:5: task.model.hidden[1]: expected an integer, got \"wide\""},
      {"params:\n  c: {type: categorical, choices: [a, {b: 1}]}\n",
       "s.yaml:2: params.c.choices[1]: expected a string, got a mapping"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseStudySpecYaml(c.yaml, "s.yaml"), StatusIs(kInvalid, c.message)) << c.yaml;
  }
}

TEST(SpecParserTest, NonMappingWhereMappingBelongs) {
  EXPECT_THAT(ParseStudySpecYaml("name: s\nsampler: random\n", "s.yaml"),
              StatusIs(kInvalid, "s.yaml:2: sampler: expected a mapping, got a scalar"));
  EXPECT_THAT(ParseStudySpecYaml("task:\n  dataset: [fashion-mnist]\n", "s.yaml"),
              StatusIs(kInvalid, "s.yaml:2: task.dataset: expected a mapping, got a list"));
  EXPECT_THAT(ParseStudySpecYaml("params:\n  - lr\n", "s.yaml"),
              StatusIs(kInvalid, StartsWith("s.yaml:1: params: expected a mapping from parameter "
                                            "name to its distribution")));
  EXPECT_THAT(ParseStudySpecYaml("params:\n  lr: 0.1\n", "s.yaml"),
              StatusIs(kInvalid, "s.yaml:2: params.lr: expected a mapping, got a scalar"));
  EXPECT_THAT(ParseStudySpecYaml("- name: s\n", "s.yaml"),
              StatusIs(kInvalid, "s.yaml:1: the spec must be a YAML mapping of study fields"));
  EXPECT_THAT(ParseStudySpecYaml("just text\n", "s.yaml"),
              StatusIs(kInvalid, "s.yaml:1: the spec must be a YAML mapping of study fields"));
}

TEST(SpecParserTest, ParamShapeErrors) {
  EXPECT_THAT(ParseStudySpecYaml("params:\n  lr: {low: 0, high: 1}\n", "s.yaml"),
              StatusIs(kInvalid,
                       "s.yaml:2: params.lr: missing field \"type\" (float, int or "
                       "categorical)"));
  EXPECT_THAT(ParseStudySpecYaml("params:\n  lr:\n    low: 0\n    type: double\n", "s.yaml"),
              StatusIs(kInvalid,
                       "s.yaml:4: params.lr.type: unknown type \"double\" (expected "
                       "one of: float, int, categorical)"));
  EXPECT_THAT(ParseStudySpecYaml("params:\n  lr: {type: float, low: 0}\n", "s.yaml"),
              StatusIs(kInvalid,
                       "s.yaml:2: params.lr: missing field \"high\" (a float parameter "
                       "needs low and high)"));
  EXPECT_THAT(ParseStudySpecYaml("params:\n  n: {type: int, high: 4}\n", "s.yaml"),
              StatusIs(kInvalid,
                       "s.yaml:2: params.n: missing field \"low\" (an int parameter "
                       "needs low and high)"));
  EXPECT_THAT(ParseStudySpecYaml("params:\n  c: {type: categorical}\n", "s.yaml"),
              StatusIs(kInvalid, HasSubstr("s.yaml:2: params.c: missing field \"choices\"")));
}

TEST(SpecParserTest, DuplicateKeysAreErrors) {
  EXPECT_THAT(ParseStudySpecYaml("name: a\nmax_trials: 3\nname: b\n", "s.yaml"),
              StatusIs(kInvalid, "s.yaml:3: name: duplicate key (first at line 1)"));
  EXPECT_THAT(ParseStudySpecYaml(R"(params:
  lr: {type: float, low: 0, high: 1}
  wd: {type: float, low: 0, high: 1}
  lr: {type: float, low: 0, high: 2}
)",
                                 "s.yaml"),
              StatusIs(kInvalid, "s.yaml:4: params.lr: duplicate key (first at line 2)"));
  EXPECT_THAT(
      ParseStudySpecYaml("params:\n  lr: {type: float, low: 0, high: 1, low: 0.5}\n", "s.yaml"),
      StatusIs(kInvalid, "s.yaml:2: params.lr.low: duplicate key (first at line 2)"));
}

TEST(SpecParserTest, TpeSamplerSettings) {
  absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml(
      R"(sampler: {type: tpe, seed: 3, n_startup_trials: 5, n_ei_candidates: 48, gamma: 0.2,
          prior_weight: 0.5, multivariate: true, constant_liar: false,
          consider_magic_clip: false, consider_endpoints: true}
)",
      "s.yaml");
  ASSERT_OK(parsed);
  const v1::SamplerSpec& s = parsed->spec.sampler();
  EXPECT_EQ(s.type(), "tpe");
  EXPECT_EQ(s.n_startup_trials(), 5);
  EXPECT_EQ(s.n_ei_candidates(), 48);
  EXPECT_EQ(s.gamma(), 0.2);
  EXPECT_EQ(s.prior_weight(), 0.5);
  EXPECT_TRUE(s.has_multivariate() && s.multivariate());
  EXPECT_TRUE(s.has_constant_liar() && !s.constant_liar());
  EXPECT_TRUE(s.has_consider_magic_clip() && !s.consider_magic_clip());
  EXPECT_TRUE(s.consider_endpoints());
  absl::StatusOr<ParsedSpec> bad =
      ParseStudySpecYaml("sampler: {type: tpe, multivariate: maybe}\n", "s.yaml");
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sampler.multivariate")));
}

TEST(SpecParserTest, YamlSyntaxErrorHasLine) {
  EXPECT_THAT(ParseStudySpecYaml("name: s\nparams:\n  lr: {type: float, low: 0\nmax_trials: 3\n",
                                 "bad.yaml"),
              StatusIs(kInvalid, StartsWith("bad.yaml:4: YAML syntax error: ")));
  EXPECT_THAT(ParseStudySpecYaml("name: s\n  max_trials: 3\n", "bad.yaml"),
              StatusIs(kInvalid, StartsWith("bad.yaml:2: YAML syntax error: ")));
}

TEST(SpecParserTest, EmptyAndMultiDocumentInput) {
  EXPECT_THAT(ParseStudySpecYaml("", "s.yaml"), StatusIs(kInvalid, "s.yaml:1: the spec is empty"));
  EXPECT_THAT(ParseStudySpecYaml("# only a comment\n", "s.yaml"),
              StatusIs(kInvalid, "s.yaml:1: the spec is empty"));
  EXPECT_THAT(ParseStudySpecYaml("name: a\n---\nname: b\n", "s.yaml"),
              StatusIs(kInvalid, HasSubstr("expected one YAML document, found 2")));
  EXPECT_OK(ParseStudySpecYaml("---\nname: a\n---\n", "s.yaml"));
}

// Found by tests/fuzz/spec_fuzzer (ASan: stack-use-after-scope): the reader
// kept a reference to a mapping key inside a temporary iterator proxy. Every
// parse reads keys; this one also reads a non-scalar key's type and line.
TEST(SpecParserTest, NonScalarKeyNamesItsLine) {
  EXPECT_THAT(
      ParseStudySpecYaml("name: a\nsampler:\n  type: random\n  ? [x, y]\n  : 1\n", "k.yaml"),
      StatusIs(kInvalid,
               HasSubstr("k.yaml:4: sampler: expected a field name, got a list as a key")));
}

// Found by tests/fuzz/spec_fuzzer: on these, yaml-cpp 0.7's LoadAll never
// returns (it restarts an empty document at the same place until memory runs
// out).
TEST(SpecParserTest, StrayCommaIsASyntaxErrorNotAHang) {
  for (const char* input : {",", "\n,\n", ", a\nt:sk:\n "}) {
    EXPECT_THAT(ParseStudySpecYaml(input, "c.yaml"),
                StatusIs(kInvalid, ::testing::AllOf(StartsWith("c.yaml:"),
                                                    HasSubstr("YAML syntax error: cannot parse"))))
        << input;
  }
}

TEST(SpecParserTest, GarbageNeverThrows) {
  const char* inputs[] = {"{{{",
                          "- [",
                          "a: &x 1\nb: *y\n",
                          "\t\tname: x",
                          "? [a]\n: b\n",
                          "params: {lr: {type: [float]}}",
                          "%YAML 9.9\n--- a",
                          "\xff\xfe junk: [",
                          "params:\n  ? [x]\n  : {type: int}\n"};
  for (const char* input : inputs) {
    absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml(input, "g.yaml");
    EXPECT_THAT(parsed, StatusIs(kInvalid, StartsWith("g.yaml"))) << input;
  }
}

}  // namespace
}  // namespace hpo
