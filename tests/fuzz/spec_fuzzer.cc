// libFuzzer target: arbitrary bytes as a study spec file, through the same
// path as `hpo study create`: parse, apply defaults, validate. Any status is
// fine; a crash, a sanitizer report, an exception or a hang is a finding.
// Also checks the documented contracts that hold for every input:
// ApplyStudySpecDefaults is idempotent and validation is deterministic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "absl/status/status.h"
#include "common/spec_parser.h"
#include "common/spec_validator.h"
#include "hpo/v1/study.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<hpo::ParsedSpec> parsed = hpo::ParseStudySpecYaml(yaml, "fuzz.yaml");
  if (!parsed.ok()) return 0;
  hpo::v1::StudySpec spec = parsed->spec;
  hpo::ApplyStudySpecDefaults(&spec);
  const absl::Status status = hpo::ValidateStudySpec(spec);

  hpo::v1::StudySpec again = spec;
  hpo::ApplyStudySpecDefaults(&again);
  // Text format writes map entries in key order, so equal specs compare equal.
  if (spec.DebugString() != again.DebugString()) std::abort();  // not idempotent
  if (hpo::ValidateStudySpec(again).code() != status.code()) std::abort();
  return 0;
}
