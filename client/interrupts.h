// Ctrl-C, SIGTERM and SIGHUP for the commands that run children (`hpo run`,
// `hpo agent`): the children are in process groups of their own
// (ChildProcess), so a signal from the terminal or a kill reaches hpo alone,
// which counts it and stops its children in order on the way out. A first
// signal asks for a clean stop, a second for a quick one.
#ifndef HPO_CLIENT_INTERRUPTS_H_
#define HPO_CLIENT_INTERRUPTS_H_

#include <atomic>

namespace hpo::client {

// Installs the handlers: before the first child starts, or an early Ctrl-C
// would end hpo and leave its children running. A SIGHUP that is ignored
// (nohup) stays ignored.
void InstallInterruptHandlers();

// The signals received so far.
int Interrupts();

// True once a signal came: for RetryPolicy::stop and loops that wait.
const std::atomic<bool>& Interrupted();

}  // namespace hpo::client

#endif  // HPO_CLIENT_INTERRUPTS_H_
