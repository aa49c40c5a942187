#include "common/spec_writer.h"

#include <cmath>
#include <string>

#include "absl/strings/ascii.h"
#include "common/search_space.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "yaml-cpp/yaml.h"

namespace hpo {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string YamlDouble(double x) {
  if (std::isnan(x)) return ".nan";
  if (std::isinf(x)) return x > 0 ? ".inf" : "-.inf";
  return FormatDouble(x);
}

void WriteMessage(const Message& message, YAML::Emitter* out);
void WriteParams(const v1::StudySpec& spec, YAML::Emitter* out);

// One value of `f` (element `index` when repeated).
void WriteValue(const Message& message, const FieldDescriptor* f, int index, YAML::Emitter* out) {
  const Reflection* r = message.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string text =
          rep ? r->GetRepeatedString(message, f, index) : r->GetString(message, f);
      // Plain, these would read back as null.
      const bool null_like = text.empty() || text == "~" || absl::AsciiStrToLower(text) == "null";
      if (null_like) *out << YAML::DoubleQuoted;
      *out << text;
      break;
    }
    case FieldDescriptor::CPPTYPE_INT32:
      *out << (rep ? r->GetRepeatedInt32(message, f, index) : r->GetInt32(message, f));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      *out << (rep ? r->GetRepeatedInt64(message, f, index) : r->GetInt64(message, f));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      *out << (rep ? r->GetRepeatedUInt64(message, f, index) : r->GetUInt64(message, f));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      *out << YamlDouble(rep ? r->GetRepeatedDouble(message, f, index) : r->GetDouble(message, f));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      *out << ((rep ? r->GetRepeatedBool(message, f, index) : r->GetBool(message, f)) ? "true"
                                                                                      : "false");
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      *out << absl::AsciiStrToLower(
          (rep ? r->GetRepeatedEnum(message, f, index) : r->GetEnum(message, f))->name());
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      WriteMessage(rep ? r->GetRepeatedMessage(message, f, index) : r->GetMessage(message, f), out);
      break;
    default:
      *out << YAML::Null;
  }
}

// The fields `message` sets, as keys and values of the mapping in progress.
void WriteFields(const Message& message, YAML::Emitter* out) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);  // in field-number order
  for (const FieldDescriptor* f : fields) {
    *out << YAML::Key << f->name() << YAML::Value;
    if (f == v1::StudySpec::descriptor()->FindFieldByName("params")) {
      WriteParams(static_cast<const v1::StudySpec&>(message), out);
    } else if (f->is_repeated()) {
      *out << YAML::Flow << YAML::BeginSeq;
      const int n = message.GetReflection()->FieldSize(message, f);
      for (int i = 0; i < n; ++i) WriteValue(message, f, i, out);
      *out << YAML::EndSeq;
    } else {
      WriteValue(message, f, 0, out);
    }
  }
}

void WriteMessage(const Message& message, YAML::Emitter* out) {
  *out << YAML::BeginMap;
  WriteFields(message, out);
  *out << YAML::EndMap;
}

// `params` as the file writes it: name -> {type: ..., distribution fields}.
void WriteParams(const v1::StudySpec& spec, YAML::Emitter* out) {
  *out << YAML::BeginMap;
  for (const v1::ParamSpec& param : spec.params()) {
    *out << YAML::Key << param.name() << YAML::Value << YAML::Flow << YAML::BeginMap;
    const ParamDistribution distribution = DistributionOf(param);
    if (distribution.message != nullptr) {
      *out << YAML::Key << "type" << YAML::Value << distribution.type;
      WriteFields(*distribution.message, out);
    }
    *out << YAML::EndMap;
  }
  *out << YAML::EndMap;
}

}  // namespace

ParamDistribution DistributionOf(const v1::ParamSpec& param) {
  const FieldDescriptor* f = param.GetReflection()->GetOneofFieldDescriptor(
      param, v1::ParamSpec::descriptor()->FindOneofByName("distribution"));
  if (f == nullptr) return {};
  std::string type = f->name();
  type.resize(type.size() - std::string("_distribution").size());
  return {std::move(type), &param.GetReflection()->GetMessage(param, f)};
}

std::string StudySpecToYaml(const v1::StudySpec& spec) {
  YAML::Emitter out;
  WriteMessage(spec, &out);
  return std::string(out.c_str()) + "\n";
}

}  // namespace hpo
