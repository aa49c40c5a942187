// ParamValue messages in one call, shared by the tests that build trials.
#ifndef HPO_TESTS_PARAM_VALUES_H_
#define HPO_TESTS_PARAM_VALUES_H_

#include <cstdint>
#include <string>

#include "hpo/v1/trial.pb.h"

namespace hpo::testing {

inline v1::ParamValue Float(double v) {
  v1::ParamValue value;
  value.set_float_value(v);
  return value;
}

inline v1::ParamValue Int(int64_t v) {
  v1::ParamValue value;
  value.set_int_value(v);
  return value;
}

inline v1::ParamValue Cat(const std::string& v) {
  v1::ParamValue value;
  value.set_categorical_value(v);
  return value;
}

}  // namespace hpo::testing

#endif  // HPO_TESTS_PARAM_VALUES_H_
