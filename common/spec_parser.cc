#include "common/spec_parser.h"

#include <algorithm>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/string_view_compat.h"
#include "common/yaml_reader.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/parser.h"

namespace hpo {
namespace {

// The YAML spelling of a parameter's distribution: `type: float` selects
// ParamSpec.float_distribution, and so on; the fields each type needs.
struct ParamType {
  absl::string_view name;
  absl::string_view field;  // in ParamSpec's oneof distribution
  std::vector<absl::string_view> required;
  absl::string_view needs;  // for the message when one is missing
};

const std::vector<ParamType>& ParamTypes() {
  static const std::vector<ParamType>* types = new std::vector<ParamType>{
      {"float", "float_distribution", {"low", "high"}, "a float parameter needs low and high"},
      {"int", "int_distribution", {"low", "high"}, "an int parameter needs low and high"},
      {"categorical",
       "categorical_distribution",
       {"choices"},
       "a categorical parameter needs a list of choices"},
  };
  return *types;
}

// Fills one ParsedSpec from a YAML document by the proto descriptors: a
// mapping's keys are the message's field names, scalars are read by the
// field's type, enums by their value names in any case. The one hand-written
// part is `params`, which the file writes as a mapping from name to a
// distribution with a `type`.
class SpecParser {
 public:
  SpecParser(absl::string_view filename, ParsedSpec* out)
      : reader_(filename, &out->lines), out_(out) {}

  absl::Status ParseDocument(const YAML::Node& root) {
    YamlField field{"", "", 1, root};
    if (root.IsNull()) return reader_.Error(1, "", "the spec is empty");
    if (!root.IsMap()) {
      field.line = root.Mark().line + 1;
      return reader_.Error(field.line, "", "the spec must be a YAML mapping of study fields");
    }
    return ReadMessage(field, &out_->spec, {});
  }

 private:
  // Reads a mapping into `message`. Keys in `consumed` were read by the
  // caller; they are skipped here and listed first in messages.
  absl::Status ReadMessage(const YamlField& field, google::protobuf::Message* message,
                           const std::vector<absl::string_view>& consumed) {
    const google::protobuf::Descriptor* descriptor = message->GetDescriptor();
    ASSIGN_OR_RETURN(std::vector<YamlField> entries, reader_.Mapping(field, {}));
    for (const YamlField& e : entries) {
      if (std::find(consumed.begin(), consumed.end(), e.key) != consumed.end()) continue;
      const google::protobuf::FieldDescriptor* f = descriptor->FindFieldByName(e.key);
      if (f == nullptr || IsImplicit(f)) {
        std::vector<std::string> names(consumed.begin(), consumed.end());
        for (int i = 0; i < descriptor->field_count(); ++i) {
          if (!IsImplicit(descriptor->field(i))) names.push_back(descriptor->field(i)->name());
        }
        return reader_.Error(
            e, absl::StrCat("unknown field (expected one of: ", absl::StrJoin(names, ", "), ")"));
      }
      if (const google::protobuf::OneofDescriptor* oneof = f->containing_oneof();
          oneof != nullptr) {
        RETURN_IF_ERROR(CheckOneField(e, oneof, entries));
      }
      if (f == v1::StudySpec::descriptor()->FindFieldByName("params")) {
        RETURN_IF_ERROR(ReadParams(e, static_cast<v1::StudySpec*>(message)));
      } else if (f->is_repeated()) {
        ASSIGN_OR_RETURN(std::vector<YamlField> elements, reader_.Sequence(e));
        for (const YamlField& element : elements) {
          RETURN_IF_ERROR(ReadValue(element, f, message));
        }
      } else {
        RETURN_IF_ERROR(ReadValue(e, f, message));
      }
    }
    return absl::OkStatus();
  }

  // A mapping may set one field of a oneof (a layer is conv2d or relu, not
  // both): the first other one written is refused, naming both.
  absl::Status CheckOneField(const YamlField& e, const google::protobuf::OneofDescriptor* oneof,
                             const std::vector<YamlField>& entries) {
    for (const YamlField& other : entries) {
      if (&other == &e) return absl::OkStatus();
      const google::protobuf::FieldDescriptor* f =
          oneof->containing_type()->FindFieldByName(other.key);
      if (f != nullptr && f->containing_oneof() == oneof) {
        return reader_.Error(
            e, absl::StrCat("only one of ", other.key, " and ", e.key, " may be given here"));
      }
    }
    return absl::OkStatus();
  }

  // Fields the file never writes: a parameter's name is its key.
  static bool IsImplicit(const google::protobuf::FieldDescriptor* f) {
    return f == v1::ParamSpec::descriptor()->FindFieldByName("name");
  }

  // One value of field `f` (set, or appended when repeated).
  absl::Status ReadValue(const YamlField& e, const google::protobuf::FieldDescriptor* f,
                         google::protobuf::Message* message) {
    using google::protobuf::FieldDescriptor;
    const google::protobuf::Reflection* r = message->GetReflection();
    const bool add = f->is_repeated();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        ASSIGN_OR_RETURN(std::string v, reader_.String(e));
        add ? r->AddString(message, f, std::move(v)) : r->SetString(message, f, std::move(v));
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_INT32: {
        ASSIGN_OR_RETURN(int32_t v, reader_.Int32(e));
        add ? r->AddInt32(message, f, v) : r->SetInt32(message, f, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        ASSIGN_OR_RETURN(int64_t v, reader_.Int64(e));
        add ? r->AddInt64(message, f, v) : r->SetInt64(message, f, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        ASSIGN_OR_RETURN(uint64_t v, reader_.Uint64(e));
        add ? r->AddUInt64(message, f, v) : r->SetUInt64(message, f, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        ASSIGN_OR_RETURN(double v, reader_.Double(e));
        add ? r->AddDouble(message, f, v) : r->SetDouble(message, f, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        ASSIGN_OR_RETURN(bool v, reader_.Bool(e));
        add ? r->AddBool(message, f, v) : r->SetBool(message, f, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        ASSIGN_OR_RETURN(const google::protobuf::EnumValueDescriptor* v, ReadEnum(e, f));
        add ? r->AddEnum(message, f, v) : r->SetEnum(message, f, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return ReadMessage(e, add ? r->AddMessage(message, f) : r->MutableMessage(message, f), {});
      default:
        return reader_.Error(e, "this field cannot be written in a spec file");
    }
  }

  // An enum by its value's name in any case (`maximize`, `MAXIMIZE`); the
  // zero value means "unspecified" and is not written.
  absl::StatusOr<const google::protobuf::EnumValueDescriptor*> ReadEnum(
      const YamlField& e, const google::protobuf::FieldDescriptor* f) {
    ASSIGN_OR_RETURN(std::string text, reader_.String(e));
    const google::protobuf::EnumDescriptor* type = f->enum_type();
    std::vector<std::string> names;
    for (int i = 0; i < type->value_count(); ++i) {
      const google::protobuf::EnumValueDescriptor* value = type->value(i);
      if (value->number() == 0) continue;
      if (absl::EqualsIgnoreCase(value->name(), text)) return value;
      names.push_back(absl::AsciiStrToLower(value->name()));
    }
    return reader_.Error(e, absl::StrCat("unknown ", f->name(), " \"", text,
                                         "\" (expected one of: ", absl::StrJoin(names, ", "), ")"));
  }

  absl::Status ReadParams(const YamlField& field, v1::StudySpec* spec) {
    if (!field.value.IsMap()) {
      return reader_.Error(field,
                           "expected a mapping from parameter name to its distribution, "
                           "e.g. lr: {type: float, low: 1.0e-5, high: 1.0e-1, log: true}");
    }
    ASSIGN_OR_RETURN(std::vector<YamlField> entries, reader_.Mapping(field, {}));
    for (const YamlField& e : entries) {
      v1::ParamSpec* param = spec->add_params();
      param->set_name(e.key);
      RETURN_IF_ERROR(ReadParam(e, param));
    }
    return absl::OkStatus();
  }

  absl::Status ReadParam(const YamlField& field, v1::ParamSpec* param) {
    ASSIGN_OR_RETURN(std::vector<YamlField> entries, reader_.Mapping(field, {}));
    auto find = [&entries](absl::string_view key) -> const YamlField* {
      for (const YamlField& e : entries) {
        if (e.key == key) return &e;
      }
      return nullptr;
    };
    std::vector<absl::string_view> type_names;
    for (const ParamType& type : ParamTypes()) type_names.push_back(type.name);
    const YamlField* type_field = find("type");
    if (type_field == nullptr) {
      return reader_.Error(
          field, absl::StrCat("missing field \"type\" (",
                              absl::StrJoin(type_names.begin(), type_names.end() - 1, ", "), " or ",
                              type_names.back(), ")"));
    }
    ASSIGN_OR_RETURN(std::string type_name, reader_.String(*type_field));
    for (const ParamType& type : ParamTypes()) {
      if (!absl::EqualsIgnoreCase(type.name, type_name)) continue;
      const google::protobuf::FieldDescriptor* f =
          param->GetDescriptor()->FindFieldByName(std::string(type.field));
      RETURN_IF_ERROR(
          ReadMessage(field, param->GetReflection()->MutableMessage(param, f), {"type"}));
      for (absl::string_view required : type.required) {
        if (find(required) == nullptr) {
          return reader_.Error(field,
                               absl::StrCat("missing field \"", required, "\" (", type.needs, ")"));
        }
      }
      return absl::OkStatus();
    }
    return reader_.Error(
        *type_field, absl::StrCat("unknown type \"", type_name,
                                  "\" (expected one of: ", absl::StrJoin(type_names, ", "), ")"));
  }

  YamlReader reader_;
  ParsedSpec* out_;
};

struct DocumentStart {
  YAML::Mark mark;
  bool null_root = false;  // an empty document
};

// Records where each document of a YAML stream starts, without building it.
// We do not use YAML::LoadAll: on some malformed input (a stray ",", yaml-cpp
// issue 1040, fixed after 0.7) its parser starts a new empty document at the
// same place again and again, and LoadAll collects them until memory runs
// out. A document starting where the previous one did reveals that loop.
class DocumentScanner : public YAML::EventHandler {
 public:
  const std::vector<DocumentStart>& documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    documents_.push_back({mark});
    depth_ = 0;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {
    if (depth_ == 0) documents_.back().null_root = true;
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    ++depth_;
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    ++depth_;
  }
  void OnMapEnd() override { --depth_; }

 private:
  std::vector<DocumentStart> documents_;
  int depth_ = 0;
};

}  // namespace

absl::StatusOr<ParsedSpec> ParseStudySpecYaml(std::string_view yaml, std::string_view filename) {
  ParsedSpec parsed;
  YamlReader reader(ToAbsl(filename), &parsed.lines);
  const std::string text(yaml);
  DocumentScanner scanner;
  YAML::Node first;
  try {
    std::istringstream in(text);
    YAML::Parser yaml_parser(in);
    while (yaml_parser.HandleNextDocument(scanner)) {
      const std::vector<DocumentStart>& starts = scanner.documents();
      if (starts.size() >= 2 && starts.back().mark.pos == starts[starts.size() - 2].mark.pos) {
        return reader.Error(starts.back().mark.line + 1, "",
                            "YAML syntax error: cannot parse past this point");
      }
    }
    if (!scanner.documents().empty()) first = YAML::Load(text);  // the first document
  } catch (const YAML::Exception& e) {
    return reader.Error(e.mark.line + 1, "", absl::StrCat("YAML syntax error: ", e.msg));
  } catch (const std::exception& e) {
    return reader.Error(0, "", absl::StrCat("cannot read YAML: ", e.what()));
  }
  std::vector<DocumentStart> documents = scanner.documents();
  // A trailing "---" leaves an empty document behind; only real ones count.
  while (documents.size() > 1 && documents.back().null_root) documents.pop_back();
  if (documents.size() > 1) {
    return reader.Error(documents[1].mark.line + 1, "",
                        absl::StrCat("expected one YAML document, found ", documents.size()));
  }
  SpecParser parser(ToAbsl(filename), &parsed);
  absl::Status status;
  // The reader avoids throwing calls; this is a last guard so that no
  // yaml-cpp exception ever leaves the library.
  try {
    status = parser.ParseDocument(first);
  } catch (const std::exception& e) {
    return reader.Error(0, "", absl::StrCat("cannot read the spec: ", e.what()));
  }
  if (!status.ok()) return status;
  return parsed;
}

}  // namespace hpo
