#include "client/interrupts.h"

#include <signal.h>

namespace hpo::client {
namespace {

std::atomic<int> g_interrupts{0};
std::atomic<bool> g_interrupted{false};

void OnInterrupt(int) {
  ++g_interrupts;
  g_interrupted = true;
}

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  struct sigaction hangup = {};
  if (sigaction(SIGHUP, nullptr, &hangup) == 0 && hangup.sa_handler != SIG_IGN) {
    sigaction(SIGHUP, &action, nullptr);
  }
}

int Interrupts() { return g_interrupts; }

const std::atomic<bool>& Interrupted() { return g_interrupted; }

}  // namespace hpo::client
