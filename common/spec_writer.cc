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

// `params` as the file writes it: name -> {type: ..., distribution fields}.
void WriteParams(const v1::StudySpec& spec, YAML::Emitter* out) {
  *out << YAML::BeginMap;
  for (const v1::ParamSpec& param : spec.params()) {
    *out << YAML::Key << param.name() << YAML::Value << YAML::Flow << YAML::BeginMap;
    const Message* distribution = nullptr;
    if (param.has_float_distribution()) {
      *out << YAML::Key << "type" << YAML::Value << "float";
      distribution = &param.float_distribution();
    } else if (param.has_int_distribution()) {
      *out << YAML::Key << "type" << YAML::Value << "int";
      distribution = &param.int_distribution();
    } else if (param.has_categorical_distribution()) {
      *out << YAML::Key << "type" << YAML::Value << "categorical";
      distribution = &param.categorical_distribution();
    }
    if (distribution != nullptr) {
      std::vector<const FieldDescriptor*> fields;
      distribution->GetReflection()->ListFields(*distribution, &fields);
      for (const FieldDescriptor* f : fields) {
        *out << YAML::Key << f->name() << YAML::Value;
        if (!f->is_repeated()) {
          WriteValue(*distribution, f, 0, out);
          continue;
        }
        *out << YAML::Flow << YAML::BeginSeq;
        const int n = distribution->GetReflection()->FieldSize(*distribution, f);
        for (int i = 0; i < n; ++i) WriteValue(*distribution, f, i, out);
        *out << YAML::EndSeq;
      }
    }
    *out << YAML::EndMap;
  }
  *out << YAML::EndMap;
}

void WriteMessage(const Message& message, YAML::Emitter* out) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);  // in field-number order
  *out << YAML::BeginMap;
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
  *out << YAML::EndMap;
}

}  // namespace

std::string StudySpecToYaml(const v1::StudySpec& spec) {
  YAML::Emitter out;
  WriteMessage(spec, &out);
  return std::string(out.c_str()) + "\n";
}

}  // namespace hpo
