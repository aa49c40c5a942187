// OpenMP's threads spin at a barrier for a while before they sleep. With more
// threads than free CPUs (two workers of two threads on two cores) a spinning
// thread holds the CPU its partner needs to reach the barrier: measured with
// tests/engine/bench/hpo_cnn_bench, two such workers trained at 890 samples/s
// each, against 2,370 each on one thread. Passive waits make that pair run
// at 2,261 each and cost nothing measurable alone (4,427 against 4,470 on two
// threads). libgomp reads OMP_WAIT_POLICY once, as it loads, so the only way
// to choose it for this process is to start the program again with it set.
#ifndef HPO_WORKER_OPENMP_WAITS_H_
#define HPO_WORKER_OPENMP_WAITS_H_

namespace hpo::worker {

// When `threads` > 1 and OMP_WAIT_POLICY is unset (an operator's choice is
// kept), sets it to PASSIVE and executes this program again with `argv`.
// Returns when there is nothing to do, or when the exec failed, which only
// leaves the waits active.
void ExecWithPassiveOpenMpWaits(int threads, char** argv);

}  // namespace hpo::worker

#endif  // HPO_WORKER_OPENMP_WAITS_H_
