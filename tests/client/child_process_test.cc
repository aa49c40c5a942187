#include "client/child_process.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpo::client {
namespace {

using ::testing::HasSubstr;

// Everything the child writes to `fd` until it closes it.
std::string ReadAll(int fd) {
  std::string text;
  char buffer[4096];
  while (true) {
    pollfd ready = {fd, POLLIN, 0};
    poll(&ready, 1, 5000);
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      text.append(buffer, n);
    } else if (n == 0 || errno != EAGAIN) {
      return text;
    }
  }
}

// Gone: no such process, or a zombie that nobody has reaped yet.
bool Gone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string skip, state;
  stat >> skip >> skip >> state;
  return state == "Z";
}

TEST(ChildProcessTest, PipesOutputAndTellsHowItExited) {
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start({{"sh", "-c", "echo out $HPO_X; echo err >&2; exit 3"}, "", {"HPO_X=1"}});
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(ReadAll(child->stdout_fd()), "out 1\n");
  EXPECT_EQ(ReadAll(child->stderr_fd()), "err\n");
  while (child->Running()) usleep(1000);
  EXPECT_EQ(child->ExitDescription(), "exited with status 3");
  EXPECT_FALSE(child->exited_ok());
}

TEST(ChildProcessTest, SaysWhichSignalKilledIt) {
  absl::StatusOr<ChildProcess> child = ChildProcess::Start({{"sh", "-c", "kill -9 $$"}, "", {}});
  ASSERT_TRUE(child.ok()) << child.status();
  while (child->Running()) usleep(1000);
  EXPECT_THAT(child->ExitDescription().value_or(""), HasSubstr("killed by signal 9"));
}

TEST(ChildProcessTest, StopEndsWhatTheChildStartedToo) {
  // The shell ignores SIGTERM and waits; its sleep is in its process group.
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start({{"sh", "-c", "trap '' TERM; sleep 100 & echo $! $$; wait"}, "", {}});
  ASSERT_TRUE(child.ok()) << child.status();
  std::string line;
  char c;
  while (line.find('\n') == std::string::npos) {
    pollfd ready = {child->stdout_fd(), POLLIN, 0};
    poll(&ready, 1, 5000);
    if (read(child->stdout_fd(), &c, 1) == 1) line += c;
  }
  const pid_t sleeper = std::stoi(line);
  const pid_t shell = std::stoi(line.substr(line.find(' ')));
  child->Stop(std::chrono::milliseconds(300));
  EXPECT_FALSE(child->Running());
  EXPECT_THAT(child->ExitDescription().value_or(""), HasSubstr("killed by signal 9"));
  for (int i = 0; i < 100 && !Gone(sleeper); ++i) usleep(10'000);
  EXPECT_TRUE(Gone(sleeper));
  EXPECT_TRUE(Gone(shell));
}

TEST(ChildProcessTest, AMissingCommandIsACleanError) {
  absl::StatusOr<ChildProcess> child = ChildProcess::Start({{"no-such-command-hpo"}, "", {}});
  ASSERT_FALSE(child.ok());
  EXPECT_THAT(child.status().message(),
              HasSubstr("no-such-command-hpo: command not found on PATH"));
  EXPECT_FALSE(FindExecutable("/nonexistent/x").ok());
  EXPECT_TRUE(FindExecutable("sh").ok());
}

}  // namespace
}  // namespace hpo::client
