#include <algorithm>
#include <sstream>

#include "client/trial_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpo::client {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::StudySpec Spec() {
  v1::StudySpec spec;
  spec.set_name("s");
  v1::ParamSpec* x = spec.add_params();
  x->set_name("x");
  x->mutable_float_distribution()->set_low(0);
  x->mutable_float_distribution()->set_high(1);
  return spec;
}

v1::Trial Trial(int64_t number, double x, const std::string& attr) {
  v1::Trial trial;
  trial.set_study_name("s");
  trial.set_number(number);
  trial.set_state(v1::Trial::COMPLETE);
  trial.set_value(x * 2);
  (*trial.mutable_params())["x"].set_float_value(x);
  if (!attr.empty()) (*trial.mutable_user_attrs())[attr] = x;
  return trial;
}

std::string Print(const std::vector<v1::Trial>& trials, Format format,
                  std::vector<std::string> attrs) {
  std::ostringstream out;
  const v1::StudySpec spec = Spec();
  TrialPrinter printer(spec, std::move(attrs), format, out);
  for (const v1::Trial& trial : trials) printer.Add(trial);
  printer.Finish();
  return out.str();
}

TEST(TrialPrinterTest, StreamedJsonIsTheArrayOfEveryTrial) {
  const std::vector<v1::Trial> trials = {Trial(0, 0.25, "acc"), Trial(1, 0.5, "")};
  nlohmann::ordered_json expected = nlohmann::ordered_json::array();
  for (const v1::Trial& trial : trials) expected.push_back(TrialToJson(trial, Spec()));
  // Byte for byte what dumping the whole array gives, though printed a trial at a time.
  EXPECT_EQ(Print(trials, Format::kJson, {"acc"}), expected.dump(2) + "\n");
  EXPECT_EQ(Print({}, Format::kJson, {}), "[]\n");
}

TEST(TrialPrinterTest, CsvHasAColumnForEveryAttributeTheStudyNames) {
  const std::string csv =
      Print({Trial(0, 0.25, "acc"), Trial(1, 0.5, "")}, Format::kCsv, {"acc", "loss"});
  EXPECT_EQ(csv,
            "number,state,value,x,acc,loss,duration_s,datetime_start,datetime_complete,"
            "worker_id,retry_of,fail_reason\n"
            "0,COMPLETE,0.5,0.25,0.25,,,,,,,\n"
            "1,COMPLETE,1,0.5,,,,,,,,\n");
}

// Where and when each trial ran, and the lineage of retries, in the file.
TEST(TrialPrinterTest, CsvHasTimesWorkerAndRetryLineage) {
  v1::Trial retry = Trial(3, 0.5, "");
  retry.set_retry_of(1);
  retry.set_worker_id("w2");
  retry.set_start_time_ms(1'700'000'000'000);
  retry.set_complete_time_ms(1'700'000'002'500);
  const std::string csv = Print({retry}, Format::kCsv, {});
  EXPECT_THAT(csv, HasSubstr("\n3,COMPLETE,1,0.5,2.5,2023-11-14T22:13:20.000Z,"
                             "2023-11-14T22:13:22.500Z,w2,1,\n"));
}

TEST(TrialPrinterTest, TableMarksTheBestTrialAndShowsRetries) {
  v1::Trial retry = Trial(2, 0.5, "");
  retry.set_retry_of(0);
  std::ostringstream out;
  const v1::StudySpec spec = Spec();
  TrialPrinter printer(spec, {}, Format::kTable, out, /*best=*/2);
  printer.Add(Trial(1, 0.75, ""));
  printer.Add(retry);
  printer.Finish();
  EXPECT_THAT(out.str(), HasSubstr("retry_of"));
  EXPECT_THAT(out.str(), HasSubstr("\n2       COMPLETE (best)  1      0.5               0\n"));
  EXPECT_THAT(out.str(), Not(HasSubstr("1       COMPLETE (best)")));
}

TEST(TrialPrinterTest, WholeAttributesAreJsonIntegers) {
  v1::Trial trial = Trial(0, 0.5, "");
  (*trial.mutable_user_attrs())["epochs"] = 3;
  (*trial.mutable_user_attrs())["val_loss"] = 0.25;
  const auto json = TrialToJson(trial, Spec());
  EXPECT_EQ(json["user_attrs"]["epochs"].dump(), "3");
  EXPECT_EQ(json["user_attrs"]["val_loss"].dump(), "0.25");
  EXPECT_EQ(json["retry_of"].dump(), "null");
}

TEST(TrialPrinterTest, TableAlignsColumnsOverAllRows) {
  const std::string table = Print({Trial(0, 0.25, ""), Trial(12345, 0.5, "")}, Format::kTable, {});
  EXPECT_THAT(table, HasSubstr("number  state     value  x"));
  EXPECT_THAT(table, HasSubstr("\n0       COMPLETE  0.5    0.25"));
  EXPECT_THAT(table, HasSubstr("\n12345   COMPLETE  1      0.5"));
}

// A stored string is shown, never obeyed: a fail_reason with an escape
// sequence or a newline cannot clear the screen or forge a row.
TEST(TrialPrinterTest, TablesShowControlCharactersEscaped) {
  v1::Trial trial = Trial(0, 0.5, "");
  trial.set_state(v1::Trial::FAILED);
  trial.set_fail_reason("bad\x1b[2J\nline 2\ttab\r\x7f");
  const std::string table = Print({trial}, Format::kTable, {});
  EXPECT_THAT(table, HasSubstr("bad\\x1b[2J\\nline 2\\ttab\\r\\x7f"));
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 2);    // header and one row
  EXPECT_EQ(EscapeControl("caf\xc3\xa9 ok"), "caf\xc3\xa9 ok");  // UTF-8 is kept
}

// Spreadsheets run a cell that starts with = + - @ as a formula; such text is
// neutralised with a leading ', numbers are left alone.
TEST(TrialPrinterTest, CsvNeutralisesFormulasButNotNumbers) {
  v1::Trial trial = Trial(0, -0.5, "");
  trial.set_state(v1::Trial::FAILED);
  trial.set_fail_reason("=HYPERLINK(\"http://x\")");
  std::string csv = Print({trial}, Format::kCsv, {});
  EXPECT_THAT(csv, HasSubstr(",\"'=HYPERLINK(\"\"http://x\"\")\""));
  EXPECT_THAT(csv, HasSubstr(",-0.5,"));
  for (const std::string formula : {"+1+cmd", "-2-cmd", "@SUM(A1)"}) {
    trial.set_fail_reason(formula);
    EXPECT_THAT(Print({trial}, Format::kCsv, {}), HasSubstr(",'" + formula)) << formula;
  }
  trial.set_fail_reason("-1e5");
  EXPECT_THAT(Print({trial}, Format::kCsv, {}), HasSubstr(",-1e5"));
}

}  // namespace
}  // namespace hpo::client
