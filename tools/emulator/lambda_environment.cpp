#include "lambda_environment.hpp"

#include <algorithm>

namespace lambda::emulator {
namespace {

bool owned_by_the_platform(std::string_view entry) {
  std::string_view name = entry.substr(0, entry.find('='));
  return name.starts_with("AWS_LAMBDA_") || name.starts_with("LAMBDA_") || name == "_HANDLER" ||
         name == "_X_AMZN_TRACE_ID";
}

bool has(const std::vector<std::string>& env, std::string_view name) {
  return std::any_of(env.begin(), env.end(), [&](const std::string& entry) {
    return entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=';
  });
}

std::string directory_of(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return slash == 0 ? "/" : std::string(path.substr(0, slash));
}

}  // namespace

std::vector<std::string> lambda_environment(const cli_options& options, std::string_view runtime_api,
                                            const std::vector<std::string>& inherited) {
  std::vector<std::string> env;
  std::copy_if(inherited.begin(), inherited.end(), std::back_inserter(env),
               [](const std::string& entry) { return !owned_by_the_platform(entry); });
  auto set = [&](std::string_view name, std::string_view value) {
    env.push_back(std::string(name) + "=" + std::string(value));
  };
  const std::string& name = options.function_name;
  std::string format = options.log_format;
  if (format.empty()) format = options.managed_instances() ? "JSON" : "Text";
  set("AWS_LAMBDA_RUNTIME_API", runtime_api);
  set("AWS_LAMBDA_FUNCTION_NAME", name);
  set("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
  set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(options.memory_mb));
  set("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + name);
  set("AWS_LAMBDA_LOG_STREAM_NAME", "local/[$LATEST]emulator");
  set("AWS_LAMBDA_LOG_FORMAT", format);
  if (!options.log_level.empty()) set("AWS_LAMBDA_LOG_LEVEL", options.log_level);
  set("_HANDLER", name);
  set("LAMBDA_TASK_ROOT", directory_of(options.bootstrap.front()));
  if (options.managed_instances()) {
    set("AWS_LAMBDA_INITIALIZATION_TYPE", "lambda-managed-instances");
    set("AWS_LAMBDA_MAX_CONCURRENCY", std::to_string(options.concurrency));
  } else {
    set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
  }
  if (!has(env, "AWS_REGION")) set("AWS_REGION", "us-east-1");
  return env;
}

}  // namespace lambda::emulator
