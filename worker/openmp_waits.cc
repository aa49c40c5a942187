#include "worker/openmp_waits.h"

#include <unistd.h>

#include <cstdlib>

namespace hpo::worker {

void ExecWithPassiveOpenMpWaits(int threads, char** argv) {
  if (threads <= 1 || std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0) != 0) return;
  execv("/proc/self/exe", argv);
}

}  // namespace hpo::worker
