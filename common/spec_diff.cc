#include "common/spec_diff.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/search_space.h"
#include "common/spec_writer.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace hpo {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr char kUnset[] = "(unset)";

std::string ValueText(const Message& m, const FieldDescriptor* f, int index) {
  const google::protobuf::Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return absl::StrCat("\"", rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f), "\"");
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return FormatDouble(rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return absl::AsciiStrToLower(
          (rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f))->name());
    default:
      return "{...}";
  }
}

std::string FieldText(const Message& m, const FieldDescriptor* f) {
  if (!f->is_repeated()) {
    if (f->has_presence() && !m.GetReflection()->HasField(m, f)) return kUnset;
    return ValueText(m, f, 0);
  }
  std::vector<std::string> values;
  for (int i = 0; i < m.GetReflection()->FieldSize(m, f); ++i) values.push_back(ValueText(m, f, i));
  return absl::StrCat("[", absl::StrJoin(values, ", "), "]");
}

std::string Join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : absl::StrCat(prefix, ".", name);
}

void DiffMessages(const Message& a, const Message& b, const std::string& prefix,
                  std::vector<SpecChange>* out);

// A parameter's type as a change shows it.
std::string TypeText(const ParamDistribution& distribution) {
  return distribution.type.empty() ? kUnset : distribution.type;
}

void DiffParams(const v1::StudySpec& a, const v1::StudySpec& b, std::vector<SpecChange>* out) {
  auto find = [](const v1::StudySpec& spec, const std::string& name) -> const v1::ParamSpec* {
    for (const v1::ParamSpec& p : spec.params()) {
      if (p.name() == name) return &p;
    }
    return nullptr;
  };
  for (const v1::ParamSpec& p : a.params()) {
    const std::string path = absl::StrCat("params.", p.name());
    const v1::ParamSpec* q = find(b, p.name());
    const ParamDistribution before = DistributionOf(p);
    const ParamDistribution after = q == nullptr ? ParamDistribution() : DistributionOf(*q);
    if (q == nullptr) {
      out->push_back({path, TypeText(before), kUnset});
    } else if (before.type != after.type) {
      out->push_back({path + ".type", TypeText(before), TypeText(after)});
    } else if (before.message != nullptr) {
      DiffMessages(*before.message, *after.message, path, out);
    }
  }
  for (const v1::ParamSpec& q : b.params()) {
    if (find(a, q.name()) == nullptr) {
      out->push_back({absl::StrCat("params.", q.name()), kUnset, TypeText(DistributionOf(q))});
    }
  }
}

void DiffMessages(const Message& a, const Message& b, const std::string& prefix,
                  std::vector<SpecChange>* out) {
  const google::protobuf::Descriptor* d = a.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string path = Join(prefix, f->name());
    if (f == v1::StudySpec::descriptor()->FindFieldByName("params")) {
      DiffParams(static_cast<const v1::StudySpec&>(a), static_cast<const v1::StudySpec&>(b), out);
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated()) {
      DiffMessages(a.GetReflection()->GetMessage(a, f), b.GetReflection()->GetMessage(b, f), path,
                   out);
    } else if (std::string x = FieldText(a, f), y = FieldText(b, f); x != y) {
      out->push_back({path, std::move(x), std::move(y)});
    }
  }
}

}  // namespace

std::vector<SpecChange> DiffStudySpecs(const v1::StudySpec& before, const v1::StudySpec& after) {
  std::vector<SpecChange> changes;
  DiffMessages(before, after, "", &changes);
  return changes;
}

std::string FormatSpecChange(const SpecChange& change) {
  return absl::StrCat(change.path, ": ", change.before, " -> ", change.after);
}

}  // namespace hpo
