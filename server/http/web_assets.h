// The dashboard's files (server/http/web/ and the npm plot libraries),
// embedded in the coordinator at build time: the binary serves its page with
// nothing to install beside it.
#ifndef HPO_SERVER_HTTP_WEB_ASSETS_H_
#define HPO_SERVER_HTTP_WEB_ASSETS_H_

#include <string_view>
#include <vector>

namespace hpo::server {

struct WebAsset {
  std::string_view path;          // as requested: "/", "/app.js", "/vendor/echarts.min.js"
  std::string_view content_type;
  std::string_view body;          // empty for a plot library the build could not fetch
};

const std::vector<WebAsset>& WebAssets();

}  // namespace hpo::server

#endif  // HPO_SERVER_HTTP_WEB_ASSETS_H_
