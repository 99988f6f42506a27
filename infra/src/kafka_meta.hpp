#pragma once

/// The `<prefix>.meta` topic of the Kafka log (private to infra): facts all
/// instances on one cluster must agree on, checked when an instance opens
/// the log. Today one: the fingerprint of the data directory's secret key.
/// Login ids, tokens and PINs are derived from that key, so an instance with
/// another key would silently map every login to other accounts.

#include "portal/events/error.hpp"

#include <chrono>
#include <string>

namespace portal::infra::kafka {

/// The record key of the fingerprint in `<prefix>.meta`.
inline constexpr const char* k_key_fingerprint = "secret-key-fingerprint";

/// Checks `fingerprint` against the first fingerprint recorded in `topic`
/// (partition 0), recording it when the topic has none yet; the first record
/// wins when instances start at once. Errors: `kafka.key_mismatch` (invalid)
/// when the recorded fingerprint differs; `log.unavailable` when the
/// brokers do not answer within `timeout`.
result<void> check_key_fingerprint(const std::string& brokers,
                                   const std::string& topic,
                                   const std::string& instance,
                                   const std::string& fingerprint,
                                   std::chrono::milliseconds timeout);

} // namespace portal::infra::kafka
