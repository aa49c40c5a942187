#include "common/search_space.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/param_values.h"
#include "tests/status_matchers.h"

namespace hpo {
namespace {

using ::hpo::testing::Cat;
using ::hpo::testing::Float;
using ::hpo::testing::Int;
using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

v1::ParamSpec ParamFromText(const std::string& text) {
  v1::ParamSpec param;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &param)) << text;
  return param;
}

TEST(CheckParamValueTest, FloatBoundsAndKind) {
  const v1::ParamSpec lr =
      ParamFromText(R"pb(name: "lr"
                         float_distribution { low: 1e-5 high: 0.1 log: true })pb");
  EXPECT_OK(CheckParamValue(lr, Float(1e-5)));
  EXPECT_OK(CheckParamValue(lr, Float(0.1)));
  EXPECT_OK(CheckParamValue(lr, Float(0.003)));
  EXPECT_THAT(CheckParamValue(lr, Float(0.5)),
              StatusIs(kInvalid, "param \"lr\": 0.5 is above high (0.1)"));
  EXPECT_THAT(CheckParamValue(lr, Float(1e-6)),
              StatusIs(kInvalid, "param \"lr\": 1e-06 is below low (1e-05)"));
  EXPECT_THAT(CheckParamValue(lr, Float(std::nan(""))), StatusIs(kInvalid, HasSubstr("NaN")));
  EXPECT_THAT(CheckParamValue(lr, Int(0)),
              StatusIs(kInvalid, "param \"lr\": expected a float value, got an int (0)"));
  EXPECT_THAT(CheckParamValue(lr, v1::ParamValue()),
              StatusIs(kInvalid, "param \"lr\": expected a float value, got no value"));
}

TEST(CheckParamValueTest, FloatGrid) {
  const v1::ParamSpec p =
      ParamFromText(R"pb(name: "p"
                         float_distribution { low: 0 high: 0.3 step: 0.1 })pb");
  for (int k = 0; k <= 2; ++k) EXPECT_OK(CheckParamValue(p, Float(0 + k * 0.1))) << k;
  EXPECT_OK(CheckParamValue(p, Float(0.3)));
  // 3 * 0.1 in doubles: on the grid but above high; samplers clamp it to high.
  EXPECT_THAT(CheckParamValue(p, Float(3 * 0.1)), StatusIs(kInvalid, HasSubstr("above high")));
  EXPECT_OK(CheckParamValue(p, Float(0.1 + 0.1)));  // 0.2 up to rounding
  EXPECT_THAT(CheckParamValue(p, Float(0.15)),
              StatusIs(kInvalid, "param \"p\": 0.15 is not on the grid low (0) + k * step (0.1)"));
}

TEST(CheckParamValueTest, IntBoundsGridAndKind) {
  const v1::ParamSpec bs = ParamFromText(R"pb(name: "bs"
                                              int_distribution { low: 32 high: 256 step: 32 })pb");
  EXPECT_OK(CheckParamValue(bs, Int(32)));
  EXPECT_OK(CheckParamValue(bs, Int(256)));
  EXPECT_OK(CheckParamValue(bs, Int(96)));
  EXPECT_THAT(CheckParamValue(bs, Int(100)),
              StatusIs(kInvalid, "param \"bs\": 100 is not on the grid low (32) + k * step (32)"));
  EXPECT_THAT(CheckParamValue(bs, Int(288)),
              StatusIs(kInvalid, "param \"bs\": 288 is above high (256)"));
  EXPECT_THAT(CheckParamValue(bs, Int(0)), StatusIs(kInvalid, "param \"bs\": 0 is below low (32)"));
  EXPECT_THAT(CheckParamValue(bs, Float(64)),
              StatusIs(kInvalid, HasSubstr("expected an int value")));

  // Step 0 reads as 1; extreme bounds do not overflow.
  const v1::ParamSpec wide = ParamFromText(
      R"pb(name: "w"
           int_distribution { low: -9223372036854775808 high: 9223372036854775807 })pb");
  EXPECT_OK(CheckParamValue(wide, Int(std::numeric_limits<int64_t>::max())));
  EXPECT_OK(CheckParamValue(wide, Int(std::numeric_limits<int64_t>::min())));
  EXPECT_OK(CheckParamValue(wide, Int(7)));
}

TEST(CheckParamValueTest, Categorical) {
  const v1::ParamSpec act =
      ParamFromText(R"pb(name: "act"
                         categorical_distribution { choices: [ "relu", "tanh" ] })pb");
  EXPECT_OK(CheckParamValue(act, Cat("tanh")));
  EXPECT_THAT(CheckParamValue(act, Cat("gelu")),
              StatusIs(kInvalid, "param \"act\": \"gelu\" is not one of the choices"));
  EXPECT_THAT(CheckParamValue(act, Int(1)),
              StatusIs(kInvalid, HasSubstr("expected a categorical")));
}

TEST(CheckParamValueTest, NoDistribution) {
  EXPECT_THAT(CheckParamValue(ParamFromText(R"pb(name: "x")pb"), Float(1)),
              StatusIs(kInvalid, HasSubstr("\"x\"")));
}

TEST(FloatGridMaxIndexTest, ToleratesRounding) {
  EXPECT_EQ(
      FloatGridMaxIndex(ParamFromText(R"pb(float_distribution { low: 0 high: 0.3 step: 0.1 })pb")
                            .float_distribution()),
      3);
  EXPECT_EQ(
      FloatGridMaxIndex(ParamFromText(R"pb(float_distribution { low: 0 high: 1 step: 0.3 })pb")
                            .float_distribution()),
      3);
  EXPECT_EQ(FloatGridMaxIndex(
                ParamFromText(R"pb(float_distribution { low: 0.8 high: 0.99 step: 0.01 })pb")
                    .float_distribution()),
            19);
}

TEST(ParamValueAsDoubleTest, Kinds) {
  EXPECT_EQ(ParamValueAsDouble(Float(0.25)), 0.25);
  EXPECT_EQ(ParamValueAsDouble(Int(-3)), -3.0);
  EXPECT_TRUE(std::isnan(ParamValueAsDouble(Cat("relu"))));
  EXPECT_TRUE(std::isnan(ParamValueAsDouble(v1::ParamValue())));
}

TEST(FormatParamValueTest, CompactRoundTrip) {
  EXPECT_EQ(FormatParamValue(Float(0.001)), "0.001");
  EXPECT_EQ(FormatParamValue(Float(1e-5)), "1e-05");
  EXPECT_EQ(FormatParamValue(Float(3.0)), "3");
  EXPECT_EQ(FormatParamValue(Float(0.1 + 0.2)), "0.30000000000000004");
  EXPECT_EQ(FormatParamValue(Float(-2.5)), "-2.5");
  EXPECT_EQ(FormatParamValue(Int(-42)), "-42");
  EXPECT_EQ(FormatParamValue(Int(std::numeric_limits<int64_t>::max())), "9223372036854775807");
  EXPECT_EQ(FormatParamValue(Cat("he_normal")), "he_normal");
  EXPECT_EQ(FormatParamValue(v1::ParamValue()), "(unset)");
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(FormatDouble(std::nan("")), "nan");
  EXPECT_EQ(FormatDouble(86400), "86400");
  EXPECT_EQ(FormatDouble(1e20), "1e+20");
  for (double x : {1.0 / 3, 2.0 / 3e10, 6.02214076e23, 4.9e-324, 1.7976931348623157e308}) {
    EXPECT_EQ(std::strtod(FormatDouble(x).c_str(), nullptr), x) << FormatDouble(x);
  }
}

}  // namespace
}  // namespace hpo
