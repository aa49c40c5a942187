// A study's parameters as the GP sampler models them, on the unit cube: a
// float in [low, high] (log ones in log space) maps to [0, 1]; an int or a
// stepped float to the cells of its grid, each value's cell of width step
// centred on it (log ints: the cells [log(v - 0.5), log(v + 0.5)]), and back
// by rounding to the nearest grid value; a categorical is its choice's index,
// at distance 0 or 1 from another (GpModel).
#ifndef HPO_SERVER_SAMPLER_GP_SPACE_H_
#define HPO_SERVER_SAMPLER_GP_SPACE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "hpo/v1/study.pb.h"
#include "server/sampler/sampler.h"

namespace hpo::server {

class GpSpace {
 public:
  // INVALID_ARGUMENT naming the parameter for an invalid distribution.
  static absl::StatusOr<GpSpace> Make(const v1::StudySpec& spec);

  int dims() const { return static_cast<int>(dims_.size()); }
  const std::vector<bool>& categorical() const { return categorical_; }
  // A categorical dimension's number of choices; a discrete one's number of
  // grid values (capped at 2^31); 0 for a continuous one.
  int64_t levels(int d) const { return dims_[d].levels; }

  // The point of `params`, into out[0..dims()); false when a parameter is
  // missing or not a value of its distribution.
  bool Encode(const ParamMap& params, double* out) const;
  // Coordinate d on its grid: a discrete dimension's value snapped to the
  // centre of its cell, a categorical's index rounded; others unchanged.
  double Snap(int d, double u) const;
  // A discrete or categorical dimension's levels, numbered from 0 in
  // increasing order of value (a categorical's: its choices): the coordinate
  // of level `level`, and the level nearest coordinate `u`.
  double Coordinate(int d, int64_t level) const;
  int64_t Level(int d, double u) const;
  // The parameters at `point`, each rounded to its grid and kept in bounds.
  ParamMap Decode(const double* point) const;

 private:
  struct Dim {
    int index;  // into spec_.params()
    bool log = false;
    double low = 0;  // the transformed bounds [0, 1] maps to
    double high = 1;
    double step = 0;   // in the value's units: discrete when > 0
    double first = 0;  // a discrete dimension's lowest value (level 0)
    int64_t levels = 0;
  };

  // A numeric dimension's value at coordinate u, on its grid and in bounds.
  double Value(const Dim& dim, double u) const;

  v1::StudySpec spec_;
  std::vector<Dim> dims_;
  std::vector<bool> categorical_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_SAMPLER_GP_SPACE_H_
