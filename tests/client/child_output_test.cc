#include "client/child_output.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpo::client {
namespace {

using ::testing::ElementsAre;

TEST(LineSplitterTest, JoinsChunksIntoLines) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  auto on_line = [&](std::string_view line) { lines.emplace_back(line); };
  splitter.Add("step=1 lo", on_line);
  splitter.Add("ss=0.5\nstep=2", on_line);
  EXPECT_THAT(lines, ElementsAre("step=1 loss=0.5"));
  splitter.Add(" loss=0.25\r\n 50%\r", on_line);
  splitter.Add("tail", on_line);
  splitter.Finish(on_line);
  EXPECT_THAT(lines, ElementsAre("step=1 loss=0.5", "step=2 loss=0.25", "", " 50%", "tail"));
}

TEST(LineSplitterTest, CutsEndlessLines) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  auto on_line = [&](std::string_view line) { lines.emplace_back(line); };
  splitter.Add(std::string(200 * 1024, 'x'), on_line);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].size(), 64u * 1024);
}

TEST(OutputTailTest, KeepsTheLastWholeLines) {
  OutputTail tail(20);
  tail.Add("Traceback (most recent call last):\n  File \"x\"\n");
  tail.Add("ValueError: boom\n");
  EXPECT_EQ(tail.Text(), "ValueError: boom");
  OutputTail all(1000);
  all.Add("a\nb\n\n");
  EXPECT_EQ(all.Text(), "a\nb");
}

TEST(OutputTailTest, StaysBoundedAndValidUtf8) {
  OutputTail tail(10);
  for (int i = 0; i < 1000; ++i) tail.Add("0123456789");
  EXPECT_EQ(tail.Text(), "0123456789");
  OutputTail bytes(100);
  // A stray byte, a cut sequence and an overlong form become U+FFFD.
  bytes.Add("ok \xff \xc3 \xc0\xaf \xc3\xa9");
  EXPECT_EQ(bytes.Text(), "ok \xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD \xc3\xa9");
}

}  // namespace
}  // namespace hpo::client
