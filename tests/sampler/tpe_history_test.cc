#include "server/sampler/tpe_history.h"

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hpo::server {
namespace {

using Status = TpeHistory::Status;
using Kind = TpeHistory::Kind;

v1::StudySpec Space(v1::Direction direction = v1::MINIMIZE) {
  v1::StudySpec spec;
  spec.set_name("s");
  spec.set_direction(direction);
  v1::ParamSpec* p = spec.add_params();
  p->set_name("lr");
  p->mutable_float_distribution()->set_low(1e-4);
  p->mutable_float_distribution()->set_high(1);
  p->mutable_float_distribution()->set_log(true);
  p = spec.add_params();
  p->set_name("dropout");
  p->mutable_float_distribution()->set_low(0);
  p->mutable_float_distribution()->set_high(0.5);
  p->mutable_float_distribution()->set_step(0.1);
  p = spec.add_params();
  p->set_name("layers");
  p->mutable_int_distribution()->set_low(1);
  p->mutable_int_distribution()->set_high(4);
  p = spec.add_params();
  p->set_name("width");
  p->mutable_int_distribution()->set_low(8);
  p->mutable_int_distribution()->set_high(512);
  p->mutable_int_distribution()->set_log(true);
  p = spec.add_params();
  p->set_name("act");
  for (const char* c : {"relu", "tanh", "gelu"})
    p->mutable_categorical_distribution()->add_choices(c);
  return spec;
}

v1::Trial MakeTrial(int64_t number, v1::Trial::State state, double lr = 0.01,
                    const char* act = "tanh") {
  v1::Trial trial;
  trial.set_number(number);
  trial.set_state(state);
  auto& params = *trial.mutable_params();
  params["lr"].set_float_value(lr);
  params["dropout"].set_float_value(0.2);
  params["layers"].set_int_value(3);
  params["width"].set_int_value(64);
  params["act"].set_categorical_value(act);
  return trial;
}

v1::Trial Complete(int64_t number, double value, double lr = 0.01) {
  v1::Trial trial = MakeTrial(number, v1::Trial::COMPLETE, lr);
  trial.set_value(value);
  return trial;
}

v1::Trial Pruned(int64_t number, int64_t last_step, double value) {
  v1::Trial trial = MakeTrial(number, v1::Trial::PRUNED);
  for (int64_t step = 0; step <= last_step; ++step) {
    v1::IntermediateValue* iv = trial.add_intermediate_values();
    iv->set_step(step);
    iv->set_value(step == last_step ? value : 1e9);
  }
  return trial;
}

std::vector<int64_t> Best(const TpeHistory& history, int64_t n, int64_t exclude = -1) {
  std::vector<int64_t> out;
  history.AppendBest(n, exclude, &out);
  return out;
}

TEST(TpeHistoryTest, MapsEachParameterIntoTheModelsSpace) {
  TpeHistory history;
  ASSERT_TRUE(history.SyncSpec(Space()).ok());
  const auto& dims = history.dims();
  ASSERT_EQ(dims.size(), 5u);
  EXPECT_EQ(dims[0].kind, Kind::kContinuous);
  EXPECT_DOUBLE_EQ(dims[0].low, std::log(1e-4));
  EXPECT_DOUBLE_EQ(dims[0].high, 0);
  EXPECT_EQ(dims[1].kind, Kind::kDiscrete);  // a step widens the bounds by half of it
  EXPECT_DOUBLE_EQ(dims[1].low, -0.05);
  EXPECT_DOUBLE_EQ(dims[1].high, 0.55);
  EXPECT_EQ(dims[2].kind, Kind::kDiscrete);
  EXPECT_DOUBLE_EQ(dims[2].low, 0.5);
  EXPECT_DOUBLE_EQ(dims[2].high, 4.5);
  EXPECT_TRUE(dims[3].log_grid);
  EXPECT_DOUBLE_EQ(dims[3].low, std::log(7.5));
  EXPECT_DOUBLE_EQ(dims[3].high, std::log(512.5));
  EXPECT_EQ(dims[4].kind, Kind::kCategorical);
  EXPECT_EQ(dims[4].n_choices, 3);

  history.Update({MakeTrial(0, v1::Trial::RUNNING, 0.01, "gelu")});
  ASSERT_EQ(history.status(0), Status::kRunning);
  EXPECT_DOUBLE_EQ(history.obs(0, 0), std::log(0.01));
  EXPECT_DOUBLE_EQ(history.obs(0, 1), 0.2);
  EXPECT_DOUBLE_EQ(history.obs(0, 2), 3);
  EXPECT_DOUBLE_EQ(history.obs(0, 3), std::log(64));
  EXPECT_DOUBLE_EQ(history.obs(0, 4), 2);  // the index of "gelu"
}

TEST(TpeHistoryTest, OnlyCompleteAndPrunedTrialsAreFinishedObservations) {
  TpeHistory history;
  ASSERT_TRUE(history.SyncSpec(Space()).ok());
  v1::Trial no_value = MakeTrial(3, v1::Trial::COMPLETE);
  v1::Trial bad_params = Complete(5, 1.0);
  (*bad_params.mutable_params())["act"].set_categorical_value("swish");  // not a choice
  history.Update({Complete(0, 1.0), MakeTrial(1, v1::Trial::RUNNING),
                  MakeTrial(2, v1::Trial::FAILED), no_value, Pruned(4, 2, 0.5), bad_params,
                  MakeTrial(6, v1::Trial::WAITING)});
  ASSERT_GE(history.slots(), 7);
  EXPECT_EQ(history.status(0), Status::kComplete);
  EXPECT_EQ(history.status(1), Status::kRunning);
  EXPECT_EQ(history.status(2), Status::kAbsent);
  EXPECT_EQ(history.status(3), Status::kAbsent);
  EXPECT_EQ(history.status(4), Status::kPruned);
  EXPECT_EQ(history.status(5), Status::kAbsent);
  EXPECT_EQ(history.status(6), Status::kAbsent);
  EXPECT_EQ(history.finished(), 2);
  // The sorted lists hold running trials too (the "above" group's centres).
  EXPECT_EQ(history.sorted(0).size(), 3u);
}

TEST(TpeHistoryTest, RanksCompleteByValueThenPrunedByStepReachedThenValue) {
  TpeHistory history;
  ASSERT_TRUE(history.SyncSpec(Space()).ok());
  history.Update({Complete(0, 3.0), Complete(1, std::numeric_limits<double>::quiet_NaN()),
                  Complete(2, 1.0), Pruned(3, 1, 0.1), Pruned(4, 5, 9.0), Pruned(5, 5, 2.0),
                  Complete(6, 2.0)});
  EXPECT_EQ(Best(history, 10), (std::vector<int64_t>{2, 6, 0, 1, 5, 4, 3}));
  EXPECT_EQ(Best(history, 2), (std::vector<int64_t>{2, 6}));
  EXPECT_EQ(Best(history, 2, /*exclude=*/2), (std::vector<int64_t>{6, 0}));

  TpeHistory maximize;
  ASSERT_TRUE(maximize.SyncSpec(Space(v1::MAXIMIZE)).ok());
  maximize.Update({Complete(0, 3.0), Complete(1, 1.0), Complete(2, 5.0)});
  EXPECT_EQ(Best(maximize, 3), (std::vector<int64_t>{2, 0, 1}));
}

// The incremental updates of a growing study end where one update of the
// final history does.
TEST(TpeHistoryTest, IncrementalUpdatesMatchAFreshHistory) {
  std::mt19937 rng(3);
  std::vector<v1::Trial> trials;
  TpeHistory incremental;
  ASSERT_TRUE(incremental.SyncSpec(Space()).ok());
  for (int step = 0; step < 300; ++step) {
    // A new RUNNING trial, then finish a random running one.
    const double lr = std::pow(10.0, -4.0 + 4.0 * (rng() % 1000) / 1000.0);
    trials.push_back(MakeTrial(static_cast<int64_t>(trials.size()), v1::Trial::RUNNING, lr));
    v1::Trial& t = trials[rng() % trials.size()];
    if (t.state() == v1::Trial::RUNNING) {
      const int outcome = static_cast<int>(rng() % 3);
      v1::Trial finished = outcome == 0   ? Complete(t.number(), (rng() % 100) / 10.0, lr)
                           : outcome == 1 ? Pruned(t.number(), rng() % 4, (rng() % 100) / 10.0)
                                          : MakeTrial(t.number(), v1::Trial::FAILED);
      *finished.mutable_params() = t.params();
      t = finished;
    }
    incremental.Update(trials);
  }
  TpeHistory fresh;
  ASSERT_TRUE(fresh.SyncSpec(Space()).ok());
  fresh.Update(trials);
  ASSERT_GE(incremental.slots(), static_cast<int64_t>(trials.size()));
  ASSERT_GE(fresh.slots(), static_cast<int64_t>(trials.size()));
  for (int64_t n = 0; n < static_cast<int64_t>(trials.size()); ++n) {
    ASSERT_EQ(incremental.status(n), fresh.status(n)) << "trial " << n;
  }
  EXPECT_EQ(incremental.finished(), fresh.finished());
  EXPECT_EQ(Best(incremental, 1000), Best(fresh, 1000));
  for (size_t d = 0; d < 4; ++d) EXPECT_EQ(incremental.sorted(d), fresh.sorted(d)) << "dim " << d;
}

TEST(TpeHistoryTest, AddedListsTheTrialsThatBecameObservationsInTheLastUpdate) {
  TpeHistory history;
  ASSERT_TRUE(history.SyncSpec(Space()).ok());
  std::vector<v1::Trial> trials = {MakeTrial(0, v1::Trial::RUNNING),
                                   MakeTrial(1, v1::Trial::WAITING)};
  history.Update(trials);
  EXPECT_EQ(history.added(), (std::vector<int64_t>{0}));
  trials[0] = Complete(0, 1.0);  // was an observation already
  trials[1] = MakeTrial(1, v1::Trial::RUNNING);
  trials.push_back(Complete(2, 2.0));
  history.Update(trials);
  EXPECT_EQ(history.added(), (std::vector<int64_t>{1, 2}));
  history.Update(trials);
  EXPECT_TRUE(history.added().empty());
}

TEST(TpeHistoryTest, ANewSpaceOrAShorterHistoryStartsOver) {
  TpeHistory history;
  ASSERT_TRUE(history.SyncSpec(Space()).ok());
  history.Update({Complete(0, 1.0), Complete(1, 2.0), Complete(2, 3.0)});
  const uint64_t generation = history.generation();
  ASSERT_TRUE(history.SyncSpec(Space()).ok());  // the same space: kept
  EXPECT_EQ(history.generation(), generation);
  EXPECT_EQ(history.finished(), 3);

  history.Update({Complete(0, 5.0)});  // another study's history
  EXPECT_NE(history.generation(), generation);
  EXPECT_EQ(history.finished(), 1);
  EXPECT_EQ(Best(history, 5), (std::vector<int64_t>{0}));

  const uint64_t before = history.generation();
  ASSERT_TRUE(history.SyncSpec(Space(v1::MAXIMIZE)).ok());
  EXPECT_NE(history.generation(), before);
  EXPECT_EQ(history.slots(), 0);
}

TEST(TpeHistoryTest, RefusesABadSpaceNamingTheParameter) {
  TpeHistory history;
  v1::StudySpec duplicate = Space();
  *duplicate.add_params() = duplicate.params(0);
  absl::Status status = history.SyncSpec(duplicate);
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_NE(status.message().find("params.lr"), std::string::npos) << status;

  v1::StudySpec inverted = Space();
  inverted.mutable_params(1)->mutable_float_distribution()->set_low(2);
  status = history.SyncSpec(inverted);
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_NE(status.message().find("dropout"), std::string::npos) << status;
}

}  // namespace
}  // namespace hpo::server
