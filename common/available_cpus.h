// How many CPUs this process may run on.
#ifndef HPO_COMMON_AVAILABLE_CPUS_H_
#define HPO_COMMON_AVAILABLE_CPUS_H_

namespace hpo {

// The CPUs in this process's affinity mask (what taskset, Slurm's
// --cpus-per-task or a container's cpuset allow), else the machine's; at least 1.
int AvailableCpus();

}  // namespace hpo

#endif  // HPO_COMMON_AVAILABLE_CPUS_H_
