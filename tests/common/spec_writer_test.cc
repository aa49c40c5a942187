#include "common/spec_writer.h"

#include <string>

#include "common/spec_parser.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace hpo {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Sets every field of `message`, recursively, to a value that is not its
// default, so that a field the parser or the writer forgets shows up.
void FillEveryField(Message* message, int* counter) {
  const google::protobuf::Reflection* r = message->GetReflection();
  const google::protobuf::Descriptor* d = message->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->containing_oneof() != nullptr && !f->containing_oneof()->is_synthetic() &&
        r->HasOneof(*message, f->containing_oneof())) {
      continue;  // one member of a real oneof
    }
    const int n = ++*counter;
    const bool rep = f->is_repeated();
    for (int k = 0; k < (rep ? 2 : 1); ++k) {
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING: {
          const std::string v = "s" + std::to_string(n + k);
          rep ? r->AddString(message, f, v) : r->SetString(message, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_INT32:
          rep ? r->AddInt32(message, f, n + k) : r->SetInt32(message, f, -n);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          rep ? r->AddInt64(message, f, n + k) : r->SetInt64(message, f, -n * 1000003LL);
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          rep ? r->AddUInt64(message, f, n + k)
              : r->SetUInt64(message, f, 18446744073709551615ULL - n);
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
          rep ? r->AddDouble(message, f, n + 0.1) : r->SetDouble(message, f, n * 1.0e-7 + 1.0 / 3);
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          rep ? r->AddBool(message, f, k == 0) : r->SetBool(message, f, true);
          break;
        case FieldDescriptor::CPPTYPE_ENUM:
          rep ? r->AddEnum(message, f, f->enum_type()->value(1))
              : r->SetEnum(message, f, f->enum_type()->value(f->enum_type()->value_count() - 1));
          break;
        case FieldDescriptor::CPPTYPE_MESSAGE:
          FillEveryField(rep ? r->AddMessage(message, f) : r->MutableMessage(message, f), counter);
          break;
        default:
          FAIL() << "field type the spec file cannot hold: " << f->full_name();
      }
    }
  }
}

v1::StudySpec ParseBack(const std::string& yaml) {
  absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml(yaml, "written.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status() << "\n" << yaml;
  return parsed.ok() ? parsed->spec : v1::StudySpec();
}

TEST(SpecWriterTest, EveryFieldOfTheSchemaRoundTrips) {
  v1::StudySpec spec;
  int counter = 0;
  FillEveryField(&spec, &counter);
  // params as the file writes them: one of each distribution type.
  spec.clear_params();
  v1::ParamSpec* lr = spec.add_params();
  lr->set_name("lr");
  FillEveryField(lr->mutable_float_distribution(), &counter);
  v1::ParamSpec* width = spec.add_params();
  width->set_name("width");
  FillEveryField(width->mutable_int_distribution(), &counter);
  v1::ParamSpec* act = spec.add_params();
  act->set_name("act");
  act->mutable_categorical_distribution()->add_choices("relu");
  act->mutable_categorical_distribution()->add_choices("null");
  act->mutable_categorical_distribution()->add_choices("a: b");
  act->mutable_categorical_distribution()->add_choices("");
  const std::string yaml = StudySpecToYaml(spec);
  std::string differences;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&differences);
  EXPECT_TRUE(differ.Compare(spec, ParseBack(yaml))) << differences << "\n" << yaml;
}

TEST(SpecWriterTest, WritesTheFileAPersonWould) {
  const std::string yaml =
      "name: demo\n"
      "direction: maximize\n"
      "sampler: {type: tpe, seed: 7}\n"
      "params:\n"
      "  lr: {type: float, low: 1.0e-5, high: 0.1, log: true}\n"
      "  act: {type: categorical, choices: [relu, tanh]}\n"
      "task:\n"
      "  epochs: 4\n"
      "  model: {type: mlp, hidden: [64, 32]}\n";
  const v1::StudySpec spec = ParseBack(yaml);
  EXPECT_EQ(StudySpecToYaml(spec),
            "name: demo\n"
            "direction: maximize\n"
            "sampler:\n"
            "  type: tpe\n"
            "  seed: 7\n"
            "params:\n"
            "  lr: {type: float, low: 1e-05, high: 0.1, log: true}\n"
            "  act: {type: categorical, choices: [relu, tanh]}\n"
            "task:\n"
            "  model:\n"
            "    type: mlp\n"
            "    hidden: [64, 32]\n"
            "  epochs: 4\n");
}

}  // namespace
}  // namespace hpo
