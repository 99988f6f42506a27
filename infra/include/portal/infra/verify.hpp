#pragma once

/// Recomputes the tamper-evident hash chains of an event log.

#include "portal/events/event_log.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace portal::infra {

/// The first event that breaks a chain.
struct broken_event
{
    events::position position;
    std::string stream;
    std::uint64_t version = 0;
    std::string reason;
};

/// What `verify_chains` found.
struct verify_report
{
    std::uint64_t events = 0;
    std::uint64_t streams = 0;
    std::optional<broken_event> first_broken;
};

/// Reads the whole log in order and checks, for every stream: versions
/// 1, 2, 3, ... without gaps; each envelope's `prevHash` equals the
/// BLAKE2b-256 of the previous envelope's bytes (empty for version 1); the
/// stream id, version and partition key in the envelope match the index;
/// and the stream's head (version, hash) matches its last event.
/// Errors only for storage failures; a broken chain is a report.
result<verify_report> verify_chains(events::event_log& log);

} // namespace portal::infra
