#include <memory>

#include "common/spec_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/sampler/sampler.h"
#include "tests/status_matchers.h"

namespace hpo::server {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

TEST(MakeSamplerTest, RandomWithSeed) {
  v1::SamplerSpec spec;
  spec.set_type("random");
  spec.set_seed(9);
  absl::StatusOr<std::unique_ptr<Sampler>> sampler = MakeSampler(spec);
  ASSERT_OK(sampler);
  v1::StudySpec study;
  v1::ParamSpec* param = study.add_params();
  param->set_name("x");
  param->mutable_int_distribution()->set_high(5);
  absl::StatusOr<ParamMap> params = (*sampler)->Sample(study, {}, 0);
  ASSERT_OK(params);
  EXPECT_EQ(params->count("x"), 1u);
}

TEST(MakeSamplerTest, SeedMustBeSet) {
  v1::SamplerSpec spec;
  spec.set_type("random");
  absl::StatusOr<std::unique_ptr<Sampler>> sampler = MakeSampler(spec);
  EXPECT_THAT(sampler, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sampler.seed")));
  EXPECT_THAT(SpecErrorFieldPath(sampler.status()), Optional(std::string("sampler.seed")));
}

TEST(MakeSamplerTest, TpeWithSeed) {
  v1::SamplerSpec spec;
  spec.set_type("tpe");
  spec.set_seed(9);
  spec.set_multivariate(true);
  absl::StatusOr<std::unique_ptr<Sampler>> sampler = MakeSampler(spec);
  ASSERT_OK(sampler);
  v1::StudySpec study;
  v1::ParamSpec* param = study.add_params();
  param->set_name("x");
  param->mutable_int_distribution()->set_high(5);
  absl::StatusOr<ParamMap> params = (*sampler)->Sample(study, {}, 0);
  ASSERT_OK(params);
  EXPECT_EQ(params->count("x"), 1u);
  spec.clear_seed();
  EXPECT_THAT(MakeSampler(spec),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sampler.seed")));
}

TEST(MakeSamplerTest, UnknownType) {
  v1::SamplerSpec spec;
  spec.set_seed(1);
  spec.set_type("grid");
  EXPECT_THAT(
      MakeSampler(spec),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "sampler.type: unknown sampler \"grid\" (expected one of: auto, random, tpe, gp)"));
}

}  // namespace
}  // namespace hpo::server
