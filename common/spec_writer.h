// Writes a study spec as the YAML a spec file holds (common/spec_parser.h
// reads it back to the same StudySpec): for `hpo study show --format yaml`,
// so that a stored study can be saved, edited and used again.
#ifndef HPO_COMMON_SPEC_WRITER_H_
#define HPO_COMMON_SPEC_WRITER_H_

#include <string>

#include "google/protobuf/message.h"
#include "hpo/v1/study.pb.h"

namespace hpo {

// Block-style YAML, fields in the order of study.proto; fields at their
// proto3 default (and unset optional ones) are left out, enums are written
// in lower case, doubles in their shortest exact form.
std::string StudySpecToYaml(const v1::StudySpec& spec);

// A parameter's distribution as a spec file writes it: its `type` ("float",
// "int" or "categorical": the set member of ParamSpec's oneof without
// "_distribution") and that message; an empty type and nullptr when none is set.
struct ParamDistribution {
  std::string type;
  const google::protobuf::Message* message = nullptr;
};
ParamDistribution DistributionOf(const v1::ParamSpec& param);

}  // namespace hpo

#endif  // HPO_COMMON_SPEC_WRITER_H_
