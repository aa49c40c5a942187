#include "common/spec_validator.h"

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/spec_error.h"
#include "common/task_settings.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace hpo {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::StartsWith;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

v1::StudySpec TextProto(const std::string& text) {
  v1::StudySpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &spec)) << text;
  return spec;
}

// A valid study with a task, defaults applied.
v1::StudySpec GoodTaskSpec() {
  v1::StudySpec spec = TextProto(R"pb(
    name: "fmnist-adamw"
    max_trials: 10
    params {
      name: "lr"
      float_distribution { low: 1e-5 high: 0.1 log: true }
    }
    params {
      name: "beta1"
      float_distribution { low: 0.8 high: 0.99 }
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
      categorical_distribution { choices: [ "relu", "gelu" ] }
    }
    task {
      dataset { name: "fashion-mnist" train_examples: 10000 }
      model { hidden: [ 256, 128 ] }
    }
  )pb");
  ApplyStudySpecDefaults(&spec);
  return spec;
}

// A valid ask/tell study (no task), defaults applied.
v1::StudySpec GoodAskTellSpec() {
  v1::StudySpec spec = TextProto(R"pb(
    name: "external"
    params {
      name: "x"
      float_distribution { low: -5 high: 5 }
    }
    params {
      name: "anything_goes"
      int_distribution { low: 1 high: 9 }
    }
  )pb");
  ApplyStudySpecDefaults(&spec);
  return spec;
}

// The validation error of GoodTaskSpec() after `mutate`.
absl::Status ErrorAfter(const std::function<void(v1::StudySpec*)>& mutate) {
  v1::StudySpec spec = GoodTaskSpec();
  mutate(&spec);
  return ValidateStudySpec(spec);
}

v1::ParamSpec* Param(v1::StudySpec* spec, const std::string& name) {
  for (v1::ParamSpec& param : *spec->mutable_params()) {
    if (param.name() == name) return &param;
  }
  v1::ParamSpec* param = spec->add_params();
  param->set_name(name);
  return param;
}

TEST(ApplyStudySpecDefaultsTest, FillsStudyAndTaskDefaults) {
  v1::StudySpec spec = TextProto(R"pb(
    name: "s"
    params {
      name: "width"
      int_distribution { low: 1 high: 8 }
    }
    task { dataset { name: "fashion-mnist" } }
  )pb");
  ApplyStudySpecDefaults(&spec);
  EXPECT_EQ(spec.direction(), v1::MINIMIZE);
  EXPECT_EQ(spec.sampler().type(), "auto");
  EXPECT_FALSE(spec.sampler().has_seed());
  EXPECT_EQ(spec.pruner().type(), "none");
  EXPECT_EQ(spec.lease_seconds(), 60);
  EXPECT_EQ(spec.params(0).int_distribution().step(), 1);
  const v1::TaskSpec& task = spec.task();
  EXPECT_EQ(task.model().type(), "mlp");
  EXPECT_EQ(task.model().activation(), "relu");
  EXPECT_EQ(task.model().init(), "he_normal");
  EXPECT_EQ(task.optimizer().type(), "adamw");
  EXPECT_EQ(task.optimizer().lr(), 1e-3);
  EXPECT_EQ(task.optimizer().weight_decay(), 1e-2);
  EXPECT_EQ(task.optimizer().beta1(), 0.9);
  EXPECT_EQ(task.optimizer().beta2(), 0.999);
  EXPECT_EQ(task.optimizer().eps(), 1e-8);
  EXPECT_EQ(task.epochs(), 3);
  EXPECT_EQ(task.batch_size(), 128);
  EXPECT_EQ(task.dataset().path(), kFashionMnistDefaultPath);
  EXPECT_EQ(task.dataset().validation_examples(), 5000);
  EXPECT_EQ(task.dataset().train_examples(), 0);  // all that remain
}

TEST(ApplyStudySpecDefaultsTest, SyntheticRegressionSizes) {
  v1::StudySpec spec = TextProto(R"pb(task { dataset { name: "synthetic-regression" } })pb");
  ApplyStudySpecDefaults(&spec);
  EXPECT_EQ(spec.task().dataset().train_examples(), 1000);
  EXPECT_EQ(spec.task().dataset().validation_examples(), 200);
  EXPECT_EQ(spec.task().dataset().path(), "");
}

TEST(ApplyStudySpecDefaultsTest, KeepsWhatIsSetIncludingExplicitZeros) {
  v1::StudySpec spec = TextProto(R"pb(
    direction: MAXIMIZE
    objective { metric: "val_accuracy" direction: MAXIMIZE }
    sampler { type: "tpe" seed: 5 }
    pruner {
      type: "asha"
      min_resource: 2
      reduction_factor: 3
      min_early_stopping_rate: 0
      max_resource: 9
    }
    lease_seconds: 5
    max_retries: 0
    task {
      dataset { name: "fashion-mnist" path: "/x" validation_examples: 7 scaling: "none" }
      model { type: "linear" activation: "tanh" init: "normal" dropout: 0 }
      optimizer {
        type: "adamw"
        lr: 0.5
        weight_decay: 0
        beta1: 0
        beta2: 0.5
        eps: 1e-3
        amsgrad: false
      }
      schedule { type: "constant" gamma: 0.1 }
      epochs: 9
      batch_size: 1
    }
  )pb");
  const v1::StudySpec before = spec;
  ApplyStudySpecDefaults(&spec);
  EXPECT_EQ(spec.SerializeAsString(), before.SerializeAsString());
}

// Type names are read in any case, like enums (`direction: MAXIMIZE`).
TEST(ApplyStudySpecDefaultsTest, TypeNamesInAnyCase) {
  v1::StudySpec spec = TextProto(R"pb(name: "s"
                                      sampler { type: "TPE" }
                                      pruner { type: "Median" }
                                      params {
                                        name: "x"
                                        float_distribution { low: 0 high: 1 }
                                      })pb");
  ApplyStudySpecDefaults(&spec);
  EXPECT_EQ(spec.sampler().type(), "tpe");
  EXPECT_EQ(spec.pruner().type(), "median");
  EXPECT_EQ(spec.pruner().n_startup_trials(), 5);
  EXPECT_OK(ValidateStudySpec(spec));
}

TEST(ApplyStudySpecDefaultsTest, NoTaskStaysWithoutTask) {
  v1::StudySpec spec = TextProto(R"pb(name: "s")pb");
  ApplyStudySpecDefaults(&spec);
  EXPECT_FALSE(spec.has_task());
}

TEST(ValidateStudySpecTest, GoodSpecsPass) {
  EXPECT_OK(ValidateStudySpec(GoodTaskSpec()));
  EXPECT_OK(ValidateStudySpec(GoodAskTellSpec()));
}

TEST(ValidateStudySpecTest, EveryTaskSettingIsSearchable) {
  v1::StudySpec spec = TextProto(R"pb(
    name: "all"
    params {
      name: "lr"
      float_distribution { low: 1e-4 high: 1e-1 log: true }
    }
    params {
      name: "weight_decay"
      float_distribution { low: 0 high: 0.1 }
    }
    params {
      name: "beta1"
      float_distribution { low: 0 high: 0.95 }
    }
    params {
      name: "beta2"
      float_distribution { low: 0.9 high: 0.9999 }
    }
    params {
      name: "eps"
      float_distribution { low: 1e-10 high: 1e-6 log: true }
    }
    params {
      name: "batch_size"
      int_distribution { low: 16 high: 128 }
    }
    params {
      name: "epochs"
      int_distribution { low: 1 high: 10 }
    }
    params {
      name: "width"
      int_distribution { low: 1 high: 65536 log: true }
    }
    params {
      name: "activation"
      categorical_distribution { choices: [ "relu", "tanh", "sigmoid", "gelu" ] }
    }
    params {
      name: "init"
      categorical_distribution { choices: [ "he_uniform", "torch_default" ] }
    }
    task {
      dataset { name: "synthetic-regression" }
      model { hidden: [ 8 ] }
    }
  )pb");
  ApplyStudySpecDefaults(&spec);
  EXPECT_OK(ValidateStudySpec(spec));
}

TEST(ValidateStudySpecTest, ErrorCarriesFieldPath) {
  absl::Status status = ErrorAfter(
      [](v1::StudySpec* s) { Param(s, "lr")->mutable_float_distribution()->set_low(0); });
  EXPECT_THAT(status, StatusIs(kInvalid, "params.lr.low: must be > 0 when log is true (got 0)"));
  EXPECT_THAT(SpecErrorFieldPath(status), Optional(std::string("params.lr.low")));
}

TEST(ValidateStudySpecTest, StudyLevelRules) {
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) { s->clear_name(); }),
              StatusIs(kInvalid, "name: must not be empty"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) { s->set_name("my study"); }),
              StatusIs(kInvalid, StartsWith("name: \"my study\" may only contain letters")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) { s->set_name(std::string(129, 'a')); }),
              StatusIs(kInvalid, "name: must be at most 128 characters (got 129)"));
  EXPECT_OK(ErrorAfter([](v1::StudySpec* s) { s->set_name(std::string(128, 'a')); }));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) { s->set_direction(v1::DIRECTION_UNSPECIFIED); }),
              StatusIs(kInvalid, StartsWith("direction: ")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) { s->set_max_trials(-1); }),
              StatusIs(kInvalid, StartsWith("max_trials: must be >= 0")));
  EXPECT_OK(ErrorAfter([](v1::StudySpec* s) { s->set_max_trials(0); }));
  for (double lease : {0.5, -1.0, 86400.5, std::nan("")}) {
    EXPECT_THAT(ErrorAfter([lease](v1::StudySpec* s) { s->set_lease_seconds(lease); }),
                StatusIs(kInvalid, StartsWith("lease_seconds: must be in [1, 86400]")))
        << lease;
  }
  EXPECT_OK(ErrorAfter([](v1::StudySpec* s) { s->set_lease_seconds(86400); }));
  EXPECT_OK(ErrorAfter([](v1::StudySpec* s) { s->set_lease_seconds(1); }));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) { s->clear_params(); }),
              StatusIs(kInvalid, "params: at least one parameter is required"));
}

TEST(ValidateStudySpecTest, SizeLimits) {
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) { s->set_max_trials(kMaxTrialsPerStudy + 1); }),
              StatusIs(kInvalid, HasSubstr("max_trials: must be at most 1000000")));
  v1::StudySpec spec = GoodAskTellSpec();
  for (int i = 0; i <= kMaxParams; ++i) {
    v1::ParamSpec* p = spec.add_params();
    p->set_name("p" + std::to_string(i));
    p->mutable_float_distribution()->set_high(1);
  }
  EXPECT_THAT(ValidateStudySpec(spec), StatusIs(kInvalid, HasSubstr("params: at most 100")));
}

TEST(ValidateStudySpecTest, SamplerAndPrunerTypes) {
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { s->mutable_sampler()->set_type("foo"); }),
      StatusIs(kInvalid,
               "sampler.type: unknown sampler \"foo\" (expected one of: auto, random, tpe, gp)"));
  EXPECT_OK(ErrorAfter([](v1::StudySpec* s) { s->mutable_sampler()->set_type("tpe"); }));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) { s->mutable_pruner()->set_type("eager"); }),
              StatusIs(kInvalid, "pruner.type: unknown pruner \"eager\" (expected one of: none, "
                                 "median, asha, hyperband)"));
}

TEST(ValidateStudySpecTest, TpeSettings) {
  auto tpe = [](const std::function<void(v1::SamplerSpec*)>& mutate) {
    return ErrorAfter([&](v1::StudySpec* s) {
      s->mutable_sampler()->set_type("tpe");
      mutate(s->mutable_sampler());
    });
  };
  EXPECT_OK(tpe([](v1::SamplerSpec* s) {
    s->set_n_startup_trials(0);
    s->set_n_ei_candidates(1);
    s->set_gamma(1);
    s->set_prior_weight(0.1);
    s->set_multivariate(true);
    s->set_constant_liar(false);
  }));
  EXPECT_THAT(tpe([](v1::SamplerSpec* s) { s->set_n_startup_trials(-1); }),
              StatusIs(kInvalid, "sampler.n_startup_trials: must be >= 0 (got -1)"));
  EXPECT_THAT(tpe([](v1::SamplerSpec* s) { s->set_n_ei_candidates(0); }),
              StatusIs(kInvalid, "sampler.n_ei_candidates: must be in [1, 10000] (got 0)"));
  EXPECT_THAT(tpe([](v1::SamplerSpec* s) { s->set_gamma(0); }),
              StatusIs(kInvalid, "sampler.gamma: must be in (0, 1] (got 0)"));
  EXPECT_THAT(tpe([](v1::SamplerSpec* s) { s->set_gamma(1.5); }),
              StatusIs(kInvalid, "sampler.gamma: must be in (0, 1] (got 1.5)"));
  EXPECT_THAT(tpe([](v1::SamplerSpec* s) { s->set_prior_weight(0); }),
              StatusIs(kInvalid, "sampler.prior_weight: must be finite and > 0 (got 0)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_sampler()->set_type("random");
                s->mutable_sampler()->set_multivariate(true);
              }),
              StatusIs(kInvalid, "sampler.multivariate: only applies to the tpe sampler"));
}

TEST(ValidateStudySpecTest, FloatParamRules) {
  auto float_error = [](const std::string& text) {
    v1::StudySpec spec = GoodAskTellSpec();
    v1::ParamSpec* p = spec.add_params();
    p->set_name("f");
    EXPECT_TRUE(
        google::protobuf::TextFormat::ParseFromString(text, p->mutable_float_distribution()));
    return ValidateStudySpec(spec);
  };
  EXPECT_THAT(float_error("low: 0.5 high: 0.1"),
              StatusIs(kInvalid, "params.f: low (0.5) must be <= high (0.1)"));
  EXPECT_THAT(float_error("low: 0 high: 1 log: true"),
              StatusIs(kInvalid, "params.f.low: must be > 0 when log is true (got 0)"));
  EXPECT_THAT(float_error("low: -1 high: 1 log: true"),
              StatusIs(kInvalid, "params.f.low: must be > 0 when log is true (got -1)"));
  EXPECT_THAT(float_error("low: -inf high: 1"),
              StatusIs(kInvalid, "params.f.low: must be finite (got -inf)"));
  EXPECT_THAT(float_error("low: 0 high: nan"),
              StatusIs(kInvalid, "params.f.high: must be finite (got nan)"));
  EXPECT_THAT(float_error("low: 0 high: 1 step: -0.1"),
              StatusIs(kInvalid, "params.f.step: must be finite and > 0 (got -0.1)"));
  EXPECT_THAT(float_error("low: 0.1 high: 1 step: 0.1 log: true"),
              StatusIs(kInvalid, "params.f: step and log cannot be used together"));
  EXPECT_THAT(float_error("low: 0 high: 1 step: 2"),
              StatusIs(kInvalid, "params.f.step: must be <= high - low (1), got 2"));
  EXPECT_THAT(float_error("low: 0 high: 1 step: 1e-300"),
              StatusIs(kInvalid, StartsWith("params.f.step: is too small")));
  EXPECT_OK(float_error("low: 0.25 high: 0.25"));
  EXPECT_OK(float_error("low: 0 high: 1 step: 0.3"));
  EXPECT_OK(float_error("low: 0 high: 1 step: 0"));  // a stored or requested 0: no step
}

TEST(ValidateStudySpecTest, IntParamRules) {
  auto int_error = [](const std::string& text) {
    v1::StudySpec spec = GoodAskTellSpec();
    v1::ParamSpec* p = spec.add_params();
    p->set_name("n");
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, p->mutable_int_distribution()));
    return ValidateStudySpec(spec);
  };
  EXPECT_THAT(int_error("low: 5 high: 4 step: 1"),
              StatusIs(kInvalid, "params.n: low (5) must be <= high (4)"));
  EXPECT_THAT(int_error("low: 1 high: 4 step: -2"),
              StatusIs(kInvalid, "params.n.step: must be >= 1 (got -2)"));
  EXPECT_THAT(int_error("low: 0 high: 4 log: true step: 1"),
              StatusIs(kInvalid, "params.n.low: must be >= 1 when log is true (got 0)"));
  EXPECT_THAT(int_error("low: 1 high: 64 log: true step: 2"),
              StatusIs(kInvalid, HasSubstr("params.n: step and log cannot be used together")));
  EXPECT_OK(int_error("low: 1 high: 64 log: true"));  // step 0 reads as 1
  EXPECT_OK(int_error("low: -9223372036854775808 high: 9223372036854775807 step: 1"));
}

TEST(ValidateStudySpecTest, CategoricalParamRules) {
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                Param(s, "activation")->mutable_categorical_distribution()->clear_choices();
              }),
              StatusIs(kInvalid, "params.activation.choices: must not be empty"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                Param(s, "activation")->mutable_categorical_distribution()->add_choices("relu");
              }),
              StatusIs(kInvalid, "params.activation.choices[2]: duplicate choice \"relu\""));
  v1::StudySpec spec = GoodAskTellSpec();
  Param(&spec, "c")->mutable_categorical_distribution()->add_choices("");
  EXPECT_THAT(ValidateStudySpec(spec),
              StatusIs(kInvalid, "params.c.choices[0]: must not be empty"));
}

TEST(ValidateStudySpecTest, ParamNamesAndDistributions) {
  v1::StudySpec spec = GoodAskTellSpec();
  spec.add_params()->set_name("nothing");
  EXPECT_THAT(ValidateStudySpec(spec),
              StatusIs(kInvalid, StartsWith("params.nothing: no distribution")));

  spec = GoodAskTellSpec();
  *spec.add_params() = spec.params(0);
  EXPECT_THAT(ValidateStudySpec(spec), StatusIs(kInvalid, "params.x: duplicate parameter name"));

  spec = GoodAskTellSpec();
  spec.mutable_params(0)->set_name("");
  EXPECT_THAT(ValidateStudySpec(spec), StatusIs(kInvalid, "params: a parameter has an empty name"));

  spec = GoodAskTellSpec();
  spec.mutable_params(0)->set_name("a:b");
  EXPECT_THAT(ValidateStudySpec(spec), StatusIs(kInvalid, StartsWith("params.a:b: name may only")));
}

TEST(ValidateStudySpecTest, TaskParamsMustBeKnownSettings) {
  EXPECT_THAT(
      ErrorAfter(
          [](v1::StudySpec* s) { Param(s, "foo")->mutable_float_distribution()->set_high(1); }),
      StatusIs(kInvalid,
               "params.foo: not a training setting of the task (searchable: lr, "
               "weight_decay, beta1, beta2, eps, dropout, max_grad_norm, batch_size, "
               "epochs, width, channels, kernel_size, eta_min, warmup_steps, activation, init)"));
  // The same name is fine without a task.
  v1::StudySpec ask_tell = GoodAskTellSpec();
  Param(&ask_tell, "foo")->mutable_float_distribution()->set_high(1);
  EXPECT_OK(ValidateStudySpec(ask_tell));
}

TEST(ValidateStudySpecTest, TaskParamsOfTheRightKindAndRange) {
  // A searchable schedule setting: its range at the door, searched or fixed.
  EXPECT_OK(ErrorAfter([](v1::StudySpec* s) {
    v1::ParamSpec* p = s->add_params();
    p->set_name("eta_min");
    p->mutable_float_distribution()->set_low(0);
    p->mutable_float_distribution()->set_high(1e-4);
  }));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                v1::ParamSpec* p = s->add_params();
                p->set_name("eta_min");
                p->mutable_float_distribution()->set_low(-1);
                p->mutable_float_distribution()->set_high(1e-4);
              }),
              StatusIs(kInvalid, "params.eta_min.low: must be >= 0 and finite (got -1)"));
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->mutable_schedule()->set_eta_min(-1); }),
      StatusIs(kInvalid, "task.schedule.eta_min: must be >= 0 and finite (got -1)"));
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { Param(s, "lr")->mutable_int_distribution()->set_high(1); }),
      StatusIs(kInvalid, "params.lr: lr is a float setting of the task (use type: float)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                Param(s, "batch_size")->mutable_float_distribution()->set_high(1);
              }),
              StatusIs(kInvalid,
                       "params.batch_size: batch_size is an int setting of the task "
                       "(use type: int)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                Param(s, "activation")->mutable_float_distribution()->set_high(1);
              }),
              StatusIs(kInvalid, HasSubstr("is a categorical setting")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                Param(s, "beta1")->mutable_float_distribution()->set_high(1.0);
              }),
              StatusIs(kInvalid, "params.beta1.high: must be >= 0 and < 1 (got 1)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                auto* d = Param(s, "beta2")->mutable_float_distribution();
                d->set_low(-0.1);
                d->set_high(0.5);
              }),
              StatusIs(kInvalid, "params.beta2.low: must be >= 0 and < 1 (got -0.1)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                auto* d = Param(s, "lr")->mutable_float_distribution();
                d->set_log(false);
                d->set_low(0);
              }),
              StatusIs(kInvalid, "params.lr.low: must be > 0 and finite (got 0)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                auto* d = Param(s, "weight_decay")->mutable_float_distribution();
                d->set_low(-1);
                d->set_high(1);
              }),
              StatusIs(kInvalid, "params.weight_decay.low: must be >= 0 and finite (got -1)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                Param(s, "batch_size")->mutable_int_distribution()->set_low(0);
              }),
              StatusIs(kInvalid, "params.batch_size.low: must be >= 1 (got 0)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                Param(s, "width")->mutable_int_distribution()->set_high(100000);
              }),
              StatusIs(kInvalid, "params.width.high: must be in [1, 65536] (got 100000)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                auto* d = Param(s, "epochs")->mutable_int_distribution();
                d->set_low(1);
                d->set_high(20000);
                d->set_step(1);
              }),
              StatusIs(kInvalid, "params.epochs.high: must be in [1, 10000] (got 20000)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                Param(s, "activation")->mutable_categorical_distribution()->add_choices("swish");
              }),
              StatusIs(kInvalid,
                       "params.activation.choices[2]: unknown activation \"swish\" "
                       "(expected one of: relu, tanh, sigmoid, gelu)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                Param(s, "init")->mutable_categorical_distribution()->add_choices("zeros");
              }),
              StatusIs(kInvalid, StartsWith("params.init.choices[0]: unknown init \"zeros\"")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_model()->set_type("linear");
                s->mutable_task()->mutable_model()->clear_hidden();
              }),
              StatusIs(kInvalid,
                       "params.width: searching width needs task.model.type mlp or cnn (got "
                       "\"linear\")"));
}

TEST(ValidateStudySpecTest, TrainingChoiceRules) {
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->set_loss("hinge"); }),
              StatusIs(kInvalid, StartsWith("task.loss: unknown loss \"hinge\"")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_schedule()->set_type("linear");
              }),
              StatusIs(kInvalid, StartsWith("task.schedule.type: unknown schedule \"linear\"")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_schedule()->set_type("step");
              }),
              StatusIs(kInvalid, StartsWith("task.schedule.step_size: must be >= 1")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_schedule()->set_warmup_steps(-1);
              }),
              StatusIs(kInvalid, "task.schedule.warmup_steps: must be >= 0 (got -1)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_schedule()->set_gamma(0);
              }),
              StatusIs(kInvalid, StartsWith("task.schedule.gamma: must be > 0 and <= 1")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->set_max_grad_norm(-1); }),
              StatusIs(kInvalid, StartsWith("task.max_grad_norm: must be >= 0")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_model()->set_dropout(1);
              }),
              StatusIs(kInvalid, StartsWith("task.model.dropout: must be >= 0 and < 1")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_dataset()->set_scaling("minmax");
              }),
              StatusIs(kInvalid, StartsWith("task.dataset.scaling: unknown scaling \"minmax\"")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_dataset()->set_name("csv");
                s->mutable_task()->mutable_dataset()->clear_path();
              }),
              StatusIs(kInvalid, "task.dataset.path: must name the CSV file of a csv dataset"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                Param(s, "dropout")->mutable_float_distribution()->set_high(1.0);
              }),
              StatusIs(kInvalid, StartsWith("params.dropout.high: must be >= 0 and < 1")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                auto* d = Param(s, "warmup_steps")->mutable_int_distribution();
                d->set_low(-1);
                d->set_high(10);
              }),
              StatusIs(kInvalid, StartsWith("params.warmup_steps.low: must be >= 0 (got -1)")));
  v1::StudySpec csv = GoodTaskSpec();
  v1::DatasetSpec* dataset = csv.mutable_task()->mutable_dataset();
  dataset->set_name("csv");
  dataset->set_path("train.csv");
  dataset->set_validation_examples(0);  // 20% of the file
  dataset->set_problem("regression");
  EXPECT_OK(ValidateStudySpec(csv));
}

TEST(ValidateStudySpecTest, TaskRules) {
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->mutable_dataset()->set_name("mnist"); }),
      StatusIs(kInvalid,
               "task.dataset.name: unknown dataset \"mnist\" (expected one of: "
               "fashion-mnist, synthetic-regression, csv)"));
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->mutable_dataset()->clear_name(); }),
      StatusIs(kInvalid, StartsWith("task.dataset.name: must be set")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_dataset()->set_train_examples(-1);
              }),
              StatusIs(kInvalid, StartsWith("task.dataset.train_examples: must be >= 0")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_dataset()->set_validation_examples(0);
              }),
              StatusIs(kInvalid, StartsWith("task.dataset.validation_examples: must be >= 1")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_dataset()->set_train_examples(56000);
              }),
              StatusIs(kInvalid, HasSubstr("task.dataset: train_examples + validation_examples "
                                           "(61000) exceeds the 60000")));
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->mutable_model()->set_type("resnet"); }),
      StatusIs(kInvalid, StartsWith("task.model.type: unknown model type \"resnet\"")));
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->mutable_model()->clear_hidden(); }),
      StatusIs(kInvalid, StartsWith("task.model.hidden: an mlp needs at least one")));
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->mutable_model()->set_hidden(1, 0); }),
      StatusIs(kInvalid, "task.model.hidden[1]: must be in [1, 65536] (got 0)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_model()->set_hidden(0, 65537);
              }),
              StatusIs(kInvalid, "task.model.hidden[0]: must be in [1, 65536] (got 65537)"));
  EXPECT_THAT(
      ErrorAfter(
          [](v1::StudySpec* s) { s->mutable_task()->mutable_model()->set_activation("swish"); }),
      StatusIs(kInvalid, StartsWith("task.model.activation: unknown activation \"swish\"")));
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->mutable_model()->set_init("ones"); }),
      StatusIs(kInvalid, StartsWith("task.model.init: unknown init \"ones\"")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->set_epochs(0); }),
              StatusIs(kInvalid, "task.epochs: must be in [1, 10000] (got 0)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->set_epochs(10001); }),
              StatusIs(kInvalid, "task.epochs: must be in [1, 10000] (got 10001)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->set_batch_size(0); }),
              StatusIs(kInvalid, "task.batch_size: must be >= 1 (got 0)"));
}

// The settings whose 0 means "unset" in a stored spec or a request: a spec
// file that writes 0 gets the message of any other value out of range.
TEST(ValidateWrittenZerosTest, AWrittenZeroIsHeldToTheFieldsRule) {
  const v1::StudySpec spec = TextProto(R"pb(
    name: "s"
    params {
      name: "lr"
      float_distribution { low: 0.001 high: 0.1 }
    }
    params {
      name: "batch_size"
      int_distribution { low: 32 high: 256 }
    }
    task {
      dataset { name: "synthetic-regression" }
      model { type: "linear" }
    }
  )pb");
  auto written = [&spec](const std::string& field) {
    return ValidateWrittenZeros(spec, [&field](const std::string& path) { return path == field; });
  };
  EXPECT_THAT(written("task.epochs"),
              StatusIs(kInvalid, "task.epochs: must be in [1, 10000] (got 0)"));
  EXPECT_THAT(written("task.batch_size"),
              StatusIs(kInvalid, "task.batch_size: must be >= 1 (got 0)"));
  EXPECT_THAT(written("task.dataset.train_examples"),
              StatusIs(kInvalid, "task.dataset.train_examples: must be >= 1 (got 0)"));
  EXPECT_THAT(written("task.dataset.validation_examples"),
              StatusIs(kInvalid, "task.dataset.validation_examples: must be >= 1 (got 0)"));
  EXPECT_THAT(written("lease_seconds"),
              StatusIs(kInvalid, "lease_seconds: must be in [1, 86400] (got 0)"));
  EXPECT_THAT(written("params.lr.step"),
              StatusIs(kInvalid, "params.lr.step: must be finite and > 0 (got 0)"));
  EXPECT_THAT(written("params.batch_size.step"),
              StatusIs(kInvalid, "params.batch_size.step: must be >= 1 (got 0)"));
  EXPECT_OK(written("task.seed"));  // 0 is a seed like any other
  EXPECT_OK(written(""));           // nothing written: every 0 takes its default
  // The same spec as stored or requested, where 0 means unset, stays valid.
  v1::StudySpec stored = spec;
  ApplyStudySpecDefaults(&stored);
  EXPECT_OK(ValidateStudySpec(stored));
}

TEST(ValidateWrittenZerosTest, AZeroTheRuleAllowsPasses) {
  // fashion-mnist's train_examples 0 is "all that remain"; csv's
  // validation_examples 0 is 20% of the file.
  const v1::StudySpec csv = TextProto(R"pb(
    name: "s"
    task { dataset { name: "csv" path: "x.csv" } }
  )pb");
  auto sizes_written = [](const std::string& path) {
    return path == "task.dataset.train_examples" || path == "task.dataset.validation_examples";
  };
  EXPECT_OK(ValidateWrittenZeros(csv, sizes_written));
  v1::StudySpec fmnist = csv;
  fmnist.mutable_task()->mutable_dataset()->set_name("fashion-mnist");
  EXPECT_OK(ValidateWrittenZeros(
      fmnist, [](const std::string& path) { return path == "task.dataset.train_examples"; }));
}

TEST(ValidateStudySpecTest, OptimizerRules) {
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->mutable_optimizer()->set_type("sgd"); }),
      StatusIs(kInvalid,
               "task.optimizer.type: unknown optimizer \"sgd\" (expected one of: "
               "adamw)"));
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->mutable_optimizer()->set_lr(0); }),
      StatusIs(kInvalid, "task.optimizer.lr: must be > 0 and finite (got 0)"));
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) {
        s->mutable_task()->mutable_optimizer()->set_lr(std::numeric_limits<double>::infinity());
      }),
      StatusIs(kInvalid, "task.optimizer.lr: must be > 0 and finite (got inf)"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_optimizer()->set_weight_decay(-0.1);
              }),
              StatusIs(kInvalid, StartsWith("task.optimizer.weight_decay: must be >= 0")));
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->mutable_optimizer()->set_beta1(1); }),
      StatusIs(kInvalid, "task.optimizer.beta1: must be >= 0 and < 1 (got 1)"));
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->mutable_optimizer()->set_beta2(-0.5); }),
      StatusIs(kInvalid, "task.optimizer.beta2: must be >= 0 and < 1 (got -0.5)"));
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) { s->mutable_task()->mutable_optimizer()->set_eps(0); }),
      StatusIs(kInvalid, "task.optimizer.eps: must be > 0 and finite (got 0)"));
  EXPECT_OK(ErrorAfter([](v1::StudySpec* s) {
    s->mutable_task()->mutable_optimizer()->set_weight_decay(0);
    s->mutable_task()->mutable_optimizer()->set_beta1(0);
  }));
}

// A study's spec is untrusted: what it would make a worker allocate, read or
// compute is bounded at the door, each refused naming the field.
TEST(ValidateStudySpecTest, BoundsWhatAStudyCosts) {
  // hidden: [65536, 65536] is ~4.3 billion parameters.
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->clear_params();
                Param(s, "lr")->mutable_float_distribution()->set_high(0.1);
                Param(s, "lr")->mutable_float_distribution()->set_low(0.01);
                s->mutable_task()->mutable_model()->clear_hidden();
                s->mutable_task()->mutable_model()->add_hidden(65536);
                s->mutable_task()->mutable_model()->add_hidden(65536);
              }),
              StatusIs(kInvalid, StartsWith("task.model.hidden: the model would have")));
  // The widest searched width counts, not the fixed one.
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                Param(s, "width")->mutable_int_distribution()->set_high(65536);
              }),
              StatusIs(kInvalid, StartsWith("params.width.high: the model would have")));
  // And the largest searched batch, for activation memory.
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                Param(s, "batch_size")->mutable_int_distribution()->set_high(2'000'000);
              }),
              StatusIs(kInvalid, StartsWith("task.batch_size: a batch of 2000000")));
  EXPECT_THAT(
      ErrorAfter([](v1::StudySpec* s) {
        s->mutable_task()->mutable_dataset()->set_name("synthetic-regression");
        s->mutable_task()->mutable_dataset()->set_train_examples(2'000'000'000);
      }),
      StatusIs(kInvalid, StartsWith("task.dataset.train_examples: must be in [0, 10000000]")));
  for (const std::string& path :
       {std::string("data\n.csv"), std::string("a\0b", 3), std::string("x\x1b[2J")}) {
    EXPECT_THAT(ErrorAfter([&path](v1::StudySpec* s) {
                  s->mutable_task()->mutable_dataset()->set_name("csv");
                  s->mutable_task()->mutable_dataset()->set_path(path);
                }),
                StatusIs(kInvalid, "task.dataset.path: must not contain control characters"));
  }
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_dataset()->set_test_path(std::string(5000, 'a'));
              }),
              StatusIs(kInvalid, StartsWith("task.dataset.test_path: at most 4096 bytes")));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                auto* choices = Param(s, "activation")->mutable_categorical_distribution();
                choices->clear_choices();
                for (int i = 0; i < 1001; ++i) choices->add_choices(absl::StrCat("c", i));
              }),
              StatusIs(kInvalid, StartsWith("params.activation.choices: at most 1000 choices")));
  // The spec as a whole.
  v1::StudySpec big = GoodAskTellSpec();
  for (int p = 0; p < 90; ++p) {
    auto* choices = Param(&big, absl::StrCat("p", p))->mutable_categorical_distribution();
    for (int i = 0; i < 10; ++i) choices->add_choices(std::string(100, 'a' + i));
  }
  EXPECT_THAT(ValidateStudySpec(big), StatusIs(kInvalid, StartsWith("spec: at most 65536 bytes")));
}

// params x choices x candidates bounds the work of one TPE Ask.
TEST(ValidateStudySpecTest, BoundsTheCostOfTpeSampling) {
  v1::StudySpec spec = GoodAskTellSpec();
  spec.mutable_sampler()->set_type("tpe");
  for (int p = 0; p < 20; ++p) {
    auto* choices = Param(&spec, absl::StrCat("p", p))->mutable_categorical_distribution();
    for (int i = 0; i < 600; ++i) choices->add_choices(absl::StrCat(i));
  }
  EXPECT_THAT(ValidateStudySpec(spec),
              StatusIs(kInvalid, HasSubstr("params: too costly for the tpe sampler")));
  spec.mutable_sampler()->set_n_ei_candidates(1);
  EXPECT_OK(ValidateStudySpec(spec));
  spec.mutable_sampler()->set_type("random");
  spec.mutable_sampler()->clear_n_ei_candidates();
  EXPECT_OK(ValidateStudySpec(spec));
  // The default sampler moves to TPE, so it is bounded too.
  spec.mutable_sampler()->clear_type();
  ApplyStudySpecDefaults(&spec);
  EXPECT_THAT(ValidateStudySpec(spec),
              StatusIs(kInvalid, HasSubstr("params: too costly for the auto sampler (it moves to "
                                           "TPE): 12002 choices in all")));
}

}  // namespace
}  // namespace hpo

namespace hpo {
namespace {

// A fashion-mnist study of the cnn shorthand, its channels, kernel and head
// searched; defaults applied.
v1::StudySpec CnnSpec() {
  v1::StudySpec spec = TextProto(R"pb(
    name: "fmnist-cnn"
    params {
      name: "channels"
      int_distribution { low: 8 high: 64 }
    }
    params {
      name: "kernel_size"
      int_distribution { low: 3 high: 5 }
    }
    params {
      name: "width"
      int_distribution { low: 32 high: 256 }
    }
    task {
      dataset { name: "fashion-mnist" }
      model {
        type: "cnn"
        channels: [ 32, 64 ]
        hidden: [ 128 ]
      }
    }
  )pb");
  ApplyStudySpecDefaults(&spec);
  return spec;
}

v1::StudySpec SequentialSpec(const std::string& layers) {
  v1::StudySpec spec =
      TextProto(absl::StrCat(R"pb(
                               name: "fmnist-seq"
                               params {
                                 name: "lr"
                                 float_distribution { low: 1e-4 high: 1e-1 log: true }
                               }
                               task { dataset { name: "fashion-mnist" }
                                      model { type: "sequential")pb",
                             layers, "} }"));
  ApplyStudySpecDefaults(&spec);
  return spec;
}

absl::Status CnnErrorAfter(const std::function<void(v1::StudySpec*)>& mutate) {
  v1::StudySpec spec = CnnSpec();
  mutate(&spec);
  return ValidateStudySpec(spec);
}

TEST(ValidateStudySpecTest, ConvolutionalModelsPass) {
  EXPECT_OK(ValidateStudySpec(CnnSpec()));
  EXPECT_OK(ValidateStudySpec(SequentialSpec(R"pb(
    layers { conv2d { out_channels: 32 kernel_size: 3 padding: 1 } }
    layers { relu {} }
    layers { max_pool2d { kernel_size: 2 } }
    layers { batch_norm2d {} }
    layers { dropout { p: 0.25 } }
    layers { flatten {} }
    layers { linear { out_features: 64 } }
    layers { batch_norm1d { eps: 1e-3 momentum: 0.2 } }
    layers { linear { out_features: 10 } })pb")));
  // A csv file of images says its shape.
  v1::StudySpec csv = SequentialSpec(R"pb(
    input_shape: [ 3, 8, 8 ]
    layers { conv2d { out_channels: 4 kernel_size: 3 } }
    layers { avg_pool2d { kernel_size: 2 } }
    layers { flatten {} }
    layers { linear {} })pb");
  csv.mutable_task()->mutable_dataset()->set_name("csv");
  csv.mutable_task()->mutable_dataset()->set_path("images.csv");
  EXPECT_OK(ValidateStudySpec(csv));
}

TEST(ValidateStudySpecTest, ConvolutionalModelsAreCheckedAtTheDoor) {
  EXPECT_THAT(ValidateStudySpec(SequentialSpec(R"pb(
                layers { conv2d { out_channels: 8 kernel_size: 5 } }
                layers { max_pool2d { kernel_size: 2 } }
                layers { conv2d { out_channels: 8 kernel_size: 13 } }
                layers { flatten {} }
                layers { linear {} })pb")),
              StatusIs(kInvalid,
                       "task.model.layers[2]: conv2d, input [8, 12, 12]: kernel_size "
                       "13 is larger than the input (12 with padding 0)"));
  EXPECT_THAT(ValidateStudySpec(SequentialSpec(R"pb(
                layers { flatten {} }
                layers {}
                layers { linear {} })pb")),
              StatusIs(kInvalid, StartsWith("task.model.layers[1]: names no layer (expected one "
                                            "of: linear, conv2d, max_pool2d")));
  EXPECT_THAT(
      ValidateStudySpec(SequentialSpec(R"pb(
        layers { linear {} }
        layers { relu {} }
        layers { linear { out_features: 10 } })pb")),
      StatusIs(kInvalid, StartsWith("task.model.layers[0].linear.out_features: must be set")));
  EXPECT_THAT(
      ValidateStudySpec(SequentialSpec(R"pb(
        layers { linear { out_features: 10 } }
        layers { relu {} })pb")),
      StatusIs(kInvalid, StartsWith("task.model.layers[1]: the last layer must be linear")));
  // The last layer's outputs must be the data's: 10 classes.
  EXPECT_THAT(ValidateStudySpec(SequentialSpec(R"pb(layers { linear { out_features: 7 } })pb")),
              StatusIs(kInvalid, StartsWith("task.model.layers[0]: gives 7 outputs; fashion-mnist "
                                            "has 10 classes")));
  // Five blocks of max_pool2d(2) leave nothing of a 28 x 28 image.
  EXPECT_THAT(CnnErrorAfter([](v1::StudySpec* s) {
                s->clear_params();
                Param(s, "lr")->mutable_float_distribution()->set_low(0.001);
                Param(s, "lr")->mutable_float_distribution()->set_high(0.01);
                for (int i = 0; i < 3; ++i) s->mutable_task()->mutable_model()->add_channels(8);
              }),
              StatusIs(kInvalid,
                       "task.model.channels: layer 14 of the cnn: max_pool2d, input [8, "
                       "1, 1]: kernel_size 2 is larger than the input (1 with padding "
                       "0)"));
  // The widest searched channels count: 4096 x 4096 x 9 weights.
  EXPECT_THAT(CnnErrorAfter([](v1::StudySpec* s) {
                Param(s, "channels")->mutable_int_distribution()->set_high(4096);
              }),
              StatusIs(kInvalid, StartsWith("params.channels.high: the model would have")));
  EXPECT_THAT(CnnErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_model()->add_input_shape(784);
                s->mutable_task()->mutable_model()->add_input_shape(2);
              }),
              StatusIs(kInvalid, StartsWith("task.model.input_shape: expected [channels, height, "
                                            "width] or [features] (got 2 values)")));
  EXPECT_THAT(CnnErrorAfter([](v1::StudySpec* s) {
                for (int side : {1, 28, 27})
                  s->mutable_task()->mutable_model()->add_input_shape(side);
              }),
              StatusIs(kInvalid, StartsWith("task.model.input_shape: has 756 values; "
                                            "fashion-mnist's images have 784")));
  EXPECT_THAT(CnnErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_dataset()->set_name("csv");
                s->mutable_task()->mutable_dataset()->set_path("x.csv");
              }),
              StatusIs(kInvalid,
                       "task.model.input_shape: must be set ([channels, height, width]) "
                       "for the conv2d layer of a csv dataset"));
  EXPECT_THAT(CnnErrorAfter([](v1::StudySpec* s) {
                Param(s, "kernel_size")->mutable_int_distribution()->set_high(32);
              }),
              StatusIs(kInvalid, "params.kernel_size.high: must be in [1, 31] (got 32)"));
  EXPECT_THAT(ValidateStudySpec(SequentialSpec(R"pb(
                layers { conv2d { out_channels: 4 kernel_size: 3 } }
                layers { batch_norm1d {} }
                layers { flatten {} }
                layers { linear {} })pb")),
              StatusIs(kInvalid,
                       "task.model.layers[1]: batch_norm1d, input [4, 26, 26]: "
                       "batch_norm1d needs a flat input (flatten first, or use "
                       "batch_norm2d)"));
  EXPECT_THAT(ValidateStudySpec(SequentialSpec(R"pb(
                layers { flatten {} }
                layers { batch_norm1d { momentum: 2 } }
                layers { linear {} })pb")),
              StatusIs(kInvalid,
                       "task.model.layers[1]: batch_norm1d, input [784, 1, 1]: "
                       "momentum is 2; must be in [0, 1]"));
  EXPECT_THAT(ErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_model()->set_batch_norm(true);
              }),
              StatusIs(kInvalid, StartsWith("task.model.batch_norm: only a cnn has batch_norm")));
  // Fields of another model type would be ignored; they are refused.
  EXPECT_THAT(CnnErrorAfter([](v1::StudySpec* s) {
                s->mutable_task()->mutable_model()->add_layers()->mutable_flatten();
              }),
              StatusIs(kInvalid,
                       "task.model.layers: only a sequential model has layers (got "
                       "type cnn)"));
  v1::StudySpec searched = SequentialSpec(R"pb(layers { linear {} })pb");
  Param(&searched, "channels")->mutable_int_distribution()->set_low(8);
  Param(&searched, "channels")->mutable_int_distribution()->set_high(16);
  EXPECT_THAT(ValidateStudySpec(searched),
              StatusIs(kInvalid,
                       "params.channels: searching channels needs task.model.type cnn "
                       "(got \"sequential\")"));
}

}  // namespace
}  // namespace hpo
