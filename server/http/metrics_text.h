// The coordinator's metrics in Prometheus' text exposition format (version
// 0.0.4), as served at /metrics: trials by study and state, studies by
// state, each study's best value, call counters and latency histograms.
// Written by hand: Debian has no Prometheus client library for C++, and the
// format is a few lines of text.
#ifndef HPO_SERVER_HTTP_METRICS_TEXT_H_
#define HPO_SERVER_HTTP_METRICS_TEXT_H_

#include <string>
#include <vector>

#include "hpo/v1/trial.pb.h"
#include "server/metrics.h"

namespace hpo::server {

inline constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// `studies` are summaries (trial_counts and best_trial filled in).
std::string RenderMetrics(const std::vector<v1::Study>& studies, const CoordinatorMetrics& metrics);

}  // namespace hpo::server

#endif  // HPO_SERVER_HTTP_METRICS_TEXT_H_
