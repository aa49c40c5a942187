// Writes a study spec as the YAML a spec file holds (common/spec_parser.h
// reads it back to the same StudySpec): for `hpo study show --format yaml`,
// so that a stored study can be saved, edited and used again.
#ifndef HPO_COMMON_SPEC_WRITER_H_
#define HPO_COMMON_SPEC_WRITER_H_

#include <string>

#include "hpo/v1/study.pb.h"

namespace hpo {

// Block-style YAML, fields in the order of study.proto; fields at their
// proto3 default (and unset optional ones) are left out, enums are written
// in lower case, doubles in their shortest exact form.
std::string StudySpecToYaml(const v1::StudySpec& spec);

}  // namespace hpo

#endif  // HPO_COMMON_SPEC_WRITER_H_
