#include "common/spec_parser.h"

#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "common/status_macros.h"
#include "common/string_view_compat.h"
#include "common/yaml_reader.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/parser.h"

namespace hpo {
namespace {

// Fills one ParsedSpec from a YAML document, section by section. Each method
// is handed a field already known to be at its path and checks its shape.
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
    return ParseStudy(field, &out_->spec);
  }

 private:
  absl::Status ParseStudy(const YamlField& field, v1::StudySpec* spec) {
    ASSIGN_OR_RETURN(std::vector<YamlField> entries,
                     reader_.Mapping(field, {"name", "direction", "sampler", "pruner", "max_trials",
                                             "params", "task", "lease_seconds",
                                             "max_retries"}));
    for (const YamlField& e : entries) {
      if (e.key == "name") {
        ASSIGN_OR_RETURN(*spec->mutable_name(), reader_.String(e));
      } else if (e.key == "direction") {
        ASSIGN_OR_RETURN(std::string direction, reader_.String(e));
        direction = absl::AsciiStrToLower(direction);
        if (direction == "minimize") {
          spec->set_direction(v1::MINIMIZE);
        } else if (direction == "maximize") {
          spec->set_direction(v1::MAXIMIZE);
        } else {
          return reader_.Error(e, absl::StrCat("unknown direction \"", e.value.Scalar(),
                                               "\" (expected one of: minimize, maximize)"));
        }
      } else if (e.key == "sampler") {
        RETURN_IF_ERROR(ParseSampler(e, spec->mutable_sampler()));
      } else if (e.key == "pruner") {
        RETURN_IF_ERROR(ParsePruner(e, spec->mutable_pruner()));
      } else if (e.key == "max_trials") {
        ASSIGN_OR_RETURN(int32_t max_trials, reader_.Int32(e));
        spec->set_max_trials(max_trials);
      } else if (e.key == "params") {
        RETURN_IF_ERROR(ParseParams(e, spec));
      } else if (e.key == "task") {
        RETURN_IF_ERROR(ParseTask(e, spec->mutable_task()));
      } else if (e.key == "lease_seconds") {
        ASSIGN_OR_RETURN(double lease_seconds, reader_.Double(e));
        spec->set_lease_seconds(lease_seconds);
      } else if (e.key == "max_retries") {
        ASSIGN_OR_RETURN(int32_t max_retries, reader_.Int32(e));
        spec->set_max_retries(max_retries);
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseSampler(const YamlField& field, v1::SamplerSpec* sampler) {
    ASSIGN_OR_RETURN(std::vector<YamlField> entries,
                     reader_.Mapping(field, {"type", "seed", "n_startup_trials", "n_ei_candidates",
                                             "gamma", "prior_weight", "multivariate",
                                             "constant_liar", "consider_magic_clip",
                                             "consider_endpoints"}));
    for (const YamlField& e : entries) {
      if (e.key == "type") {
        ASSIGN_OR_RETURN(*sampler->mutable_type(), reader_.String(e));
      } else if (e.key == "seed") {
        ASSIGN_OR_RETURN(uint64_t seed, reader_.Uint64(e));
        sampler->set_seed(seed);
      } else if (e.key == "n_startup_trials") {
        ASSIGN_OR_RETURN(int32_t n, reader_.Int32(e));
        sampler->set_n_startup_trials(n);
      } else if (e.key == "n_ei_candidates") {
        ASSIGN_OR_RETURN(int32_t n, reader_.Int32(e));
        sampler->set_n_ei_candidates(n);
      } else if (e.key == "gamma") {
        ASSIGN_OR_RETURN(double gamma, reader_.Double(e));
        sampler->set_gamma(gamma);
      } else if (e.key == "prior_weight") {
        ASSIGN_OR_RETURN(double prior_weight, reader_.Double(e));
        sampler->set_prior_weight(prior_weight);
      } else {
        ASSIGN_OR_RETURN(bool flag, reader_.Bool(e));
        if (e.key == "multivariate") sampler->set_multivariate(flag);
        if (e.key == "constant_liar") sampler->set_constant_liar(flag);
        if (e.key == "consider_magic_clip") sampler->set_consider_magic_clip(flag);
        if (e.key == "consider_endpoints") sampler->set_consider_endpoints(flag);
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParsePruner(const YamlField& field, v1::PrunerSpec* pruner) {
    ASSIGN_OR_RETURN(std::vector<YamlField> entries,
                     reader_.Mapping(field, {"type", "n_startup_trials", "n_warmup_steps",
                                             "interval_steps", "n_min_trials", "min_resource",
                                             "reduction_factor", "min_early_stopping_rate",
                                             "max_resource"}));
    const google::protobuf::Descriptor* descriptor = pruner->GetDescriptor();
    const google::protobuf::Reflection* reflection = pruner->GetReflection();
    for (const YamlField& e : entries) {
      if (e.key == "type") {
        ASSIGN_OR_RETURN(*pruner->mutable_type(), reader_.String(e));
        continue;
      }
      // Every other pruner setting is an optional int32 of the same name.
      ASSIGN_OR_RETURN(int32_t value, reader_.Int32(e));
      reflection->SetInt32(pruner, descriptor->FindFieldByName(e.key), value);
    }
    return absl::OkStatus();
  }

  absl::Status ParseParams(const YamlField& field, v1::StudySpec* spec) {
    if (!field.value.IsMap()) {
      return reader_.Error(field,
                           "expected a mapping from parameter name to its distribution, "
                           "e.g. lr: {type: float, low: 1.0e-5, high: 1.0e-1, log: true}");
    }
    ASSIGN_OR_RETURN(std::vector<YamlField> entries, reader_.Mapping(field, {}));
    for (const YamlField& e : entries) {
      v1::ParamSpec* param = spec->add_params();
      param->set_name(e.key);
      RETURN_IF_ERROR(ParseParam(e, param));
    }
    return absl::OkStatus();
  }

  absl::Status ParseParam(const YamlField& field, v1::ParamSpec* param) {
    ASSIGN_OR_RETURN(std::vector<YamlField> entries, reader_.Mapping(field, {}));
    const YamlField* type_field = nullptr;
    for (const YamlField& e : entries) {
      if (e.key == "type") type_field = &e;
    }
    if (type_field == nullptr) {
      return reader_.Error(field, "missing field \"type\" (float, int or categorical)");
    }
    ASSIGN_OR_RETURN(std::string type, reader_.String(*type_field));
    if (type == "float")
      return ParseFloatParam(field, entries, param->mutable_float_distribution());
    if (type == "int") return ParseIntParam(field, entries, param->mutable_int_distribution());
    if (type == "categorical") {
      return ParseCategoricalParam(field, entries, param->mutable_categorical_distribution());
    }
    return reader_.Error(
        *type_field,
        absl::StrCat("unknown type \"", type, "\" (expected one of: float, int, categorical)"));
  }

  // Fails unless `entries` holds both low and high.
  absl::Status RequireBounds(const YamlField& field, const std::vector<YamlField>& entries,
                             absl::string_view type) {
    bool has_low = false;
    bool has_high = false;
    for (const YamlField& e : entries) {
      has_low |= e.key == "low";
      has_high |= e.key == "high";
    }
    if (has_low && has_high) return absl::OkStatus();
    return reader_.Error(field, absl::StrCat("missing field \"", has_low ? "high" : "low", "\" (",
                                             type, " parameter needs low and high)"));
  }

  absl::Status ParseFloatParam(const YamlField& field, const std::vector<YamlField>& entries,
                               v1::FloatDistribution* dist) {
    for (const YamlField& e : entries) {
      RETURN_IF_ERROR(reader_.CheckKnownField(e, {"type", "low", "high", "log", "step"}));
      if (e.key == "low") {
        ASSIGN_OR_RETURN(double low, reader_.Double(e));
        dist->set_low(low);
      } else if (e.key == "high") {
        ASSIGN_OR_RETURN(double high, reader_.Double(e));
        dist->set_high(high);
      } else if (e.key == "log") {
        ASSIGN_OR_RETURN(bool log, reader_.Bool(e));
        dist->set_log(log);
      } else if (e.key == "step") {
        ASSIGN_OR_RETURN(double step, reader_.Double(e));
        dist->set_step(step);
      }
    }
    return RequireBounds(field, entries, "a float");
  }

  absl::Status ParseIntParam(const YamlField& field, const std::vector<YamlField>& entries,
                             v1::IntDistribution* dist) {
    for (const YamlField& e : entries) {
      RETURN_IF_ERROR(reader_.CheckKnownField(e, {"type", "low", "high", "log", "step"}));
      if (e.key == "low") {
        ASSIGN_OR_RETURN(int64_t low, reader_.Int64(e));
        dist->set_low(low);
      } else if (e.key == "high") {
        ASSIGN_OR_RETURN(int64_t high, reader_.Int64(e));
        dist->set_high(high);
      } else if (e.key == "log") {
        ASSIGN_OR_RETURN(bool log, reader_.Bool(e));
        dist->set_log(log);
      } else if (e.key == "step") {
        ASSIGN_OR_RETURN(int64_t step, reader_.Int64(e));
        dist->set_step(step);
      }
    }
    return RequireBounds(field, entries, "an int");
  }

  absl::Status ParseCategoricalParam(const YamlField& field, const std::vector<YamlField>& entries,
                                     v1::CategoricalDistribution* dist) {
    bool has_choices = false;
    for (const YamlField& e : entries) {
      RETURN_IF_ERROR(reader_.CheckKnownField(e, {"type", "choices"}));
      if (e.key != "choices") continue;
      has_choices = true;
      ASSIGN_OR_RETURN(std::vector<YamlField> choices, reader_.Sequence(e));
      for (const YamlField& choice : choices) {
        ASSIGN_OR_RETURN(*dist->add_choices(), reader_.String(choice));
      }
    }
    if (has_choices) return absl::OkStatus();
    return reader_.Error(field,
                         "missing field \"choices\" (a categorical parameter needs a list "
                         "of choices)");
  }

  absl::Status ParseTask(const YamlField& field, v1::TaskSpec* task) {
    ASSIGN_OR_RETURN(
        std::vector<YamlField> entries,
        reader_.Mapping(field, {"dataset", "model", "optimizer", "epochs", "batch_size", "seed",
                                "loss", "schedule", "max_grad_norm"}));
    for (const YamlField& e : entries) {
      if (e.key == "dataset") {
        RETURN_IF_ERROR(ParseDataset(e, task->mutable_dataset()));
      } else if (e.key == "model") {
        RETURN_IF_ERROR(ParseModel(e, task->mutable_model()));
      } else if (e.key == "optimizer") {
        RETURN_IF_ERROR(ParseOptimizer(e, task->mutable_optimizer()));
      } else if (e.key == "epochs") {
        ASSIGN_OR_RETURN(int32_t epochs, reader_.Int32(e));
        task->set_epochs(epochs);
      } else if (e.key == "batch_size") {
        ASSIGN_OR_RETURN(int32_t batch_size, reader_.Int32(e));
        task->set_batch_size(batch_size);
      } else if (e.key == "seed") {
        ASSIGN_OR_RETURN(uint64_t seed, reader_.Uint64(e));
        task->set_seed(seed);
      } else if (e.key == "loss") {
        ASSIGN_OR_RETURN(*task->mutable_loss(), reader_.String(e));
      } else if (e.key == "schedule") {
        RETURN_IF_ERROR(ParseSchedule(e, task->mutable_schedule()));
      } else if (e.key == "max_grad_norm") {
        ASSIGN_OR_RETURN(double max_grad_norm, reader_.Double(e));
        task->set_max_grad_norm(max_grad_norm);
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseSchedule(const YamlField& field, v1::ScheduleSpec* schedule) {
    ASSIGN_OR_RETURN(std::vector<YamlField> entries,
                     reader_.Mapping(field, {"type", "step_size", "gamma", "eta_min",
                                             "warmup_steps"}));
    for (const YamlField& e : entries) {
      if (e.key == "type") {
        ASSIGN_OR_RETURN(*schedule->mutable_type(), reader_.String(e));
      } else if (e.key == "step_size") {
        ASSIGN_OR_RETURN(int64_t step_size, reader_.Int64(e));
        schedule->set_step_size(step_size);
      } else if (e.key == "gamma") {
        ASSIGN_OR_RETURN(double gamma, reader_.Double(e));
        schedule->set_gamma(gamma);
      } else if (e.key == "eta_min") {
        ASSIGN_OR_RETURN(double eta_min, reader_.Double(e));
        schedule->set_eta_min(eta_min);
      } else if (e.key == "warmup_steps") {
        ASSIGN_OR_RETURN(int64_t warmup_steps, reader_.Int64(e));
        schedule->set_warmup_steps(warmup_steps);
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseDataset(const YamlField& field, v1::DatasetSpec* dataset) {
    ASSIGN_OR_RETURN(
        std::vector<YamlField> entries,
        reader_.Mapping(field, {"name", "train_examples", "validation_examples", "path", "seed",
                                "test_path", "label_column", "header", "problem", "scaling"}));
    for (const YamlField& e : entries) {
      if (e.key == "name") {
        ASSIGN_OR_RETURN(*dataset->mutable_name(), reader_.String(e));
      } else if (e.key == "train_examples") {
        ASSIGN_OR_RETURN(int32_t n, reader_.Int32(e));
        dataset->set_train_examples(n);
      } else if (e.key == "validation_examples") {
        ASSIGN_OR_RETURN(int32_t n, reader_.Int32(e));
        dataset->set_validation_examples(n);
      } else if (e.key == "path") {
        ASSIGN_OR_RETURN(*dataset->mutable_path(), reader_.String(e));
      } else if (e.key == "seed") {
        ASSIGN_OR_RETURN(uint64_t seed, reader_.Uint64(e));
        dataset->set_seed(seed);
      } else if (e.key == "test_path") {
        ASSIGN_OR_RETURN(*dataset->mutable_test_path(), reader_.String(e));
      } else if (e.key == "label_column") {
        ASSIGN_OR_RETURN(*dataset->mutable_label_column(), reader_.String(e));
      } else if (e.key == "header") {
        ASSIGN_OR_RETURN(bool header, reader_.Bool(e));
        dataset->set_header(header);
      } else if (e.key == "problem") {
        ASSIGN_OR_RETURN(*dataset->mutable_problem(), reader_.String(e));
      } else if (e.key == "scaling") {
        ASSIGN_OR_RETURN(*dataset->mutable_scaling(), reader_.String(e));
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseModel(const YamlField& field, v1::ModelSpec* model) {
    ASSIGN_OR_RETURN(std::vector<YamlField> entries,
                     reader_.Mapping(field, {"type", "hidden", "activation", "init", "dropout"}));
    for (const YamlField& e : entries) {
      if (e.key == "type") {
        ASSIGN_OR_RETURN(*model->mutable_type(), reader_.String(e));
      } else if (e.key == "hidden") {
        ASSIGN_OR_RETURN(std::vector<YamlField> widths, reader_.Sequence(e));
        for (const YamlField& width : widths) {
          ASSIGN_OR_RETURN(int32_t w, reader_.Int32(width));
          model->add_hidden(w);
        }
      } else if (e.key == "activation") {
        ASSIGN_OR_RETURN(*model->mutable_activation(), reader_.String(e));
      } else if (e.key == "init") {
        ASSIGN_OR_RETURN(*model->mutable_init(), reader_.String(e));
      } else if (e.key == "dropout") {
        ASSIGN_OR_RETURN(double dropout, reader_.Double(e));
        model->set_dropout(dropout);
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseOptimizer(const YamlField& field, v1::OptimizerSpec* optimizer) {
    ASSIGN_OR_RETURN(
        std::vector<YamlField> entries,
        reader_.Mapping(field, {"type", "lr", "weight_decay", "beta1", "beta2", "eps", "amsgrad"}));
    for (const YamlField& e : entries) {
      if (e.key == "type") {
        ASSIGN_OR_RETURN(*optimizer->mutable_type(), reader_.String(e));
        continue;
      }
      if (e.key == "amsgrad") {
        ASSIGN_OR_RETURN(bool amsgrad, reader_.Bool(e));
        optimizer->set_amsgrad(amsgrad);
        continue;
      }
      ASSIGN_OR_RETURN(double value, reader_.Double(e));
      if (e.key == "lr") {
        optimizer->set_lr(value);
      } else if (e.key == "weight_decay") {
        optimizer->set_weight_decay(value);
      } else if (e.key == "beta1") {
        optimizer->set_beta1(value);
      } else if (e.key == "beta2") {
        optimizer->set_beta2(value);
      } else if (e.key == "eps") {
        optimizer->set_eps(value);
      }
    }
    return absl::OkStatus();
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
