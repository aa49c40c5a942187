// Parameter importance by PED-ANOVA (Watanabe et al., "PED-ANOVA: Efficiently
// Quantifying Hyperparameter Importance in Arbitrary Subspaces", IJCAI 2023),
// with the settings of Optuna's PedAnovaImportanceEvaluator: how much each
// param's distribution among the top 10% of trials differs (Pearson
// divergence of Scott-bandwidth Parzen estimators on a 50-point grid) from
// its distribution among all COMPLETE trials. Chosen over fANOVA because it
// is linear in the trials, needs no random forest and no random numbers: at
// 100,000 trials it takes milliseconds and gives the same answer every time.
#ifndef HPO_SERVER_ANALYSIS_PED_ANOVA_H_
#define HPO_SERVER_ANALYSIS_PED_ANOVA_H_

#include <string>
#include <vector>

#include "hpo/v1/study.pb.h"
#include "server/analysis/completed_trials.h"

namespace hpo::server {

struct ParamImportance {
  std::string param;
  double importance = 0;
};

// One entry per param of `spec`, most important first, summing to 1 (all 0
// when fewer than 2 trials completed or no param tells the top trials apart).
std::vector<ParamImportance> PedAnovaImportances(const v1::StudySpec& spec,
                                                 const CompletedTrials& trials);

}  // namespace hpo::server

#endif  // HPO_SERVER_ANALYSIS_PED_ANOVA_H_
