#pragma once

/// Process-wide logging set-up (spdlog).

#include <string_view>

namespace portal::infra {

/// Sets the default logger: to stderr, level by name (`trace`..`off`,
/// default `info`), as JSON lines when `json` is set. Call once at start-up.
void init_logging(std::string_view level, bool json);

} // namespace portal::infra
