// The dashboard's JSON API (/api/) against a real coordinator in-process:
// the shapes the page reads, pages with ?after= and ?changed_after=, the series and the
// importance, and clear JSON errors for bad requests.
#include <httplib.h>

#include <string>

#include "common/spec_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/coordinator_server.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace hpo::server {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

class DashboardApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    absl::StatusOr<ParsedSpec> spec = ParseStudySpecYaml(
        "name: s\ndirection: maximize\nparams:\n"
        "  x: {type: float, low: 0, high: 1}\n"
        "  act: {type: categorical, choices: [relu, tanh]}\n",
        "s.yaml");
    ASSERT_OK(spec);
    ASSERT_OK(coordinator().CreateStudy(spec->spec, false));
  }

  // Starts the coordinator on the test's database (again, after a stop).
  void StartServer() {
    server_.reset();
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.http_listen = "127.0.0.1:0";
    options.db_path = dir_.File("hpo.db");
    absl::StatusOr<ServerSecurity> security = LoadServerSecurity(options);
    ASSERT_OK(security);
    absl::StatusOr<std::unique_ptr<CoordinatorServer>> server =
        CoordinatorServer::Start(options, *std::move(security));
    ASSERT_OK(server);
    server_ = *std::move(server);
  }

  Coordinator& coordinator() { return server_->coordinator(); }

  void Report(int64_t number, int64_t step, double value) {
    v1::ReportIntermediateRequest report;
    report.mutable_trial()->set_study_name("s");
    report.mutable_trial()->set_trial_number(number);
    report.set_step(step);
    report.set_value(value);
    EXPECT_OK(coordinator().ReportIntermediate(report));
  }

  void Complete(int64_t number, double value) {
    v1::TellRequest tell;
    tell.set_study_name("s");
    tell.set_trial_number(number);
    tell.set_state(v1::Trial::COMPLETE);
    tell.set_value(value);
    EXPECT_OK(coordinator().Tell(tell));
  }

  // The numbers of a page's trials, in its order.
  static std::vector<int64_t> Numbers(const Json& page) {
    std::vector<int64_t> numbers;
    for (const Json& trial : page["trials"]) numbers.push_back(trial["number"]);
    return numbers;
  }

  // Asks a trial, reports `steps` values and completes it with `value`
  // (nullopt: leaves it RUNNING). Returns its number.
  int64_t Run(std::optional<double> value, int steps = 3) {
    v1::AskRequest ask;
    ask.set_study_name("s");
    absl::StatusOr<v1::AskResponse> asked = coordinator().Ask(ask);
    EXPECT_OK(asked);
    const int64_t number = asked->trial().number();
    for (int step = 1; step <= steps; ++step)
      Report(number, step, value.value_or(0.5) * step / steps);
    if (value.has_value()) Complete(number, *value);
    return number;
  }

  // GETs `path`, checks the status and the content type, parses the body.
  Json Get(const std::string& path, int status = 200) {
    httplib::Client client("http://" + server_->http_address());
    httplib::Result result = client.Get(path);
    EXPECT_TRUE(result) << path;
    if (!result) return Json();
    EXPECT_EQ(result->status, status) << path << ": " << result->body;
    EXPECT_EQ(result->get_header_value("Content-Type"), "application/json") << path;
    return Json::parse(result->body);
  }

  hpo::testing::TempDir dir_;
  std::unique_ptr<CoordinatorServer> server_;
};

TEST_F(DashboardApiTest, StudiesAndAStudyWithItsSearchSpace) {
  Run(0.7);
  Run(0.9);
  const Json studies = Get("/api/studies");
  ASSERT_EQ(studies["studies"].size(), 1u);
  const Json& summary = studies["studies"][0];
  EXPECT_EQ(summary["name"], "s");
  EXPECT_EQ(summary["state"], "RUNNING");
  EXPECT_EQ(summary["trial_counts"]["COMPLETE"], 2);
  EXPECT_EQ(summary["best_trial"]["number"], 1);
  EXPECT_TRUE(summary["datetime_last_activity"].is_string());

  const Json study = Get("/api/studies/s");
  EXPECT_EQ(study["n_trials"], 2);
  ASSERT_EQ(study["params"].size(), 2u);
  EXPECT_EQ(study["params"][0], Json::parse(R"({"name":"x","type":"float","low":0.0,"high":1.0,"log":false})"));
  EXPECT_EQ(study["params"][1]["choices"], Json::parse(R"(["relu","tanh"])"));
}

TEST_F(DashboardApiTest, TrialsPageOnWithAfterAndSeeTrialsFinishLater) {
  for (int i = 0; i < 5; ++i) Run(0.1 * i);
  const int64_t running = Run(std::nullopt);
  const Json first = Get("/api/studies/s/trials?limit=4");
  ASSERT_EQ(first["trials"].size(), 4u);
  EXPECT_EQ(first["next_after"], 3);
  EXPECT_DOUBLE_EQ(first["trials"][2]["intermediate_values"]["3"].get<double>(), 0.2);
  const Json rest = Get("/api/studies/s/trials?after=3&steps=0");
  ASSERT_EQ(rest["trials"].size(), 2u);
  EXPECT_TRUE(rest["next_after"].is_null());
  EXPECT_EQ(rest["trials"][1]["state"], "RUNNING");
  EXPECT_EQ(rest["trials"][1]["last_step"], 3);
  EXPECT_FALSE(rest["trials"][1].contains("intermediate_values"));

  Complete(running, 0.95);  // the running trial finishes; a poll from before it sees it
  const Json again = Get("/api/studies/s/trials?after=" + std::to_string(running - 1));
  ASSERT_EQ(again["trials"].size(), 1u);
  EXPECT_EQ(again["trials"][0]["state"], "COMPLETE");

  const Json one = Get("/api/studies/s/trials/2");
  EXPECT_EQ(one["number"], 2);
  EXPECT_EQ(one["intermediate_values"].size(), 3u);
  EXPECT_THAT(Get("/api/studies/s/trials/99", 404)["error"]["message"].get<std::string>(),
              HasSubstr("no trial 99"));
}

TEST_F(DashboardApiTest, ChangedAfterGivesTheTrialsThatChangedInTheOrderTheyChanged) {
  for (int i = 0; i < 5; ++i) Run(0.1 * i);
  const int64_t running = Run(std::nullopt);
  const Json first = Get("/api/studies/s/trials?changed_after=0&limit=4&steps=0");
  EXPECT_EQ(Numbers(first), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(first["more"], true);
  const Json rest =
      Get("/api/studies/s/trials?changed_after=" + first["revision"].dump() + "&steps=0");
  EXPECT_EQ(Numbers(rest), (std::vector<int64_t>{4, running}));
  EXPECT_EQ(rest["more"], false);
  const Json nothing = Get("/api/studies/s/trials?changed_after=" + rest["revision"].dump());
  EXPECT_TRUE(nothing["trials"].empty());
  EXPECT_EQ(nothing["revision"], rest["revision"]);

  // A new intermediate value, a finished trial, a new trial: each trial once, last changed last.
  Report(running, 4, 0.4);
  const int64_t added = Run(std::nullopt, 0);
  Report(running, 5, 0.5);
  const Json changed =
      Get("/api/studies/s/trials?changed_after=" + nothing["revision"].dump() + "&steps=0");
  EXPECT_EQ(Numbers(changed), (std::vector<int64_t>{added, running}));
  EXPECT_EQ(changed["trials"][1]["last_step"], 5);
  EXPECT_GT(changed["revision"].get<int64_t>(), nothing["revision"].get<int64_t>());

  // Every revision after a restart is above those before it: the page asks
  // again for everything (the trials were loaded anew) and misses nothing.
  const int64_t before = changed["revision"];
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const Json reloaded = Get("/api/studies/s/trials?changed_after=" + std::to_string(before));
  EXPECT_EQ(reloaded["trials"].size(), 7u);
  EXPECT_GT(reloaded["revision"].get<int64_t>(), before);

  EXPECT_THAT(Get("/api/studies/s/trials?after=1&changed_after=0", 400)["error"]["message"]
                  .get<std::string>(),
              HasSubstr("after, changed_after"));
  Get("/api/studies/s/trials?changed_after=-1", 400);
}

TEST_F(DashboardApiTest, SeriesAndImportance) {
  for (int i = 0; i < 30; ++i) Run(0.01 * ((i * 7) % 30), 4);
  const Json series = Get("/api/studies/s/series");
  EXPECT_EQ(series["n_complete"], 30);
  EXPECT_EQ(series["history"].size(), 30u);
  // Maximized: the best line only rises, and ends at the best value.
  double last = -1;
  for (const Json& point : series["best"]) {
    EXPECT_GT(point[1].get<double>(), last);
    last = point[1];
  }
  EXPECT_DOUBLE_EQ(last, 0.29);
  ASSERT_FALSE(series["curves"].empty());
  EXPECT_EQ(series["curves"][0]["steps"].size(), 4u);

  const Json importance = Get("/api/studies/s/importance");
  EXPECT_EQ(importance["method"], "ped_anova");
  EXPECT_EQ(importance["n_trials"], 30);
  ASSERT_EQ(importance["importances"].size(), 2u);
  EXPECT_NEAR(importance["importances"][0]["importance"].get<double>() +
                  importance["importances"][1]["importance"].get<double>(),
              1.0, 1e-9);
}

// httplib would Brotli-compress every body a browser accepts that way, at a
// cost of seconds per megabyte; the server sends bodies as they are.
TEST_F(DashboardApiTest, BodiesAreSentUncompressedWhateverTheClientAccepts) {
  for (int i = 0; i < 3; ++i) Run(0.5 + i);
  httplib::Client client("http://" + server_->http_address());
  client.set_decompress(false);
  const httplib::Headers accepts = {{"Accept-Encoding", "gzip, deflate, br"}};
  for (const std::string path : {"/api/studies/s/trials", "/", "/app.js"}) {
    httplib::Result result = client.Get(path, accepts);
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, 200) << path;
    EXPECT_FALSE(result->has_header("Content-Encoding")) << path;
    EXPECT_EQ(result->get_header_value("Content-Length"), std::to_string(result->body.size()))
        << path;
    EXPECT_GT(result->body.size(), 100u) << path;
  }
  httplib::Result trials = client.Get("/api/studies/s/trials", accepts);
  ASSERT_TRUE(trials);
  EXPECT_EQ(Json::parse(trials->body)["trials"].size(), 3u);
}

TEST_F(DashboardApiTest, BadRequestsGetJsonErrorsNamingWhatIsWrong) {
  EXPECT_THAT(Get("/api/studies/nope", 404)["error"]["message"].get<std::string>(),
              HasSubstr("nope"));
  EXPECT_EQ(Get("/api/studies/nope/series", 404)["error"]["code"], 404);
  EXPECT_THAT(Get("/api/studies/s/trials?limit=0", 400)["error"]["message"].get<std::string>(),
              HasSubstr("limit"));
  EXPECT_THAT(Get("/api/studies/s/trials?after=x", 400)["error"]["message"].get<std::string>(),
              HasSubstr("after"));
  Get("/api/studies/s/trials?after=99999999999999999999999", 400);
  Get("/api/studies/s/trials?after=9000000000000000000", 400);
  EXPECT_TRUE(Get("/api/studies/s/trials?after=100")["trials"].empty());
  Get("/api/nothing-here", 404);
}

}  // namespace
}  // namespace hpo::server
