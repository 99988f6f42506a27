#pragma once

/// The embedded event log: the default on one machine, on RocksDB.
///
/// Column families: `events` (position -> envelope), `streams` (stream +
/// version -> position), `heads` (stream -> version, hash, partition key),
/// `commands` (command id -> first append result). One atomic WriteBatch per
/// commit group: concurrent appends are queued and a single writer thread
/// checks their expectations against the committed heads, writes the group
/// in one batch and syncs the WAL once (group commit) before acknowledging
/// any of them. Every envelope carries the BLAKE2b-256 hash of the previous
/// envelope of its stream.

#include "portal/events/event_log.hpp"
#include "portal/events/time.hpp"

#include <filesystem>
#include <functional>
#include <memory>

namespace portal::infra {

/// Options of the embedded log.
struct embedded_log_options
{
    /// The directory of the RocksDB database (created when missing).
    std::filesystem::path dir;
    /// Sync the WAL before acknowledging an append. `false` is for
    /// development only: a power loss may lose acknowledged appends; the
    /// log says so at open.
    bool sync = true;
    /// The most appends written in one commit group.
    std::size_t max_group = 4096;
    /// The clock for `recordedAt` and event ids; the system clock if empty.
    std::function<timestamp()> clock;
};

/// Opens (or creates) the embedded log.
///
/// Errors: `log.locked` (unavailable) when another process holds the
/// directory; `log.newer_format` (invalid) when the directory was written by
/// a newer version of the portal; `log.unavailable` for other storage
/// failures.
result<std::unique_ptr<events::event_log>> open_embedded_log(embedded_log_options options);

/// The on-disk format version this build reads and writes.
inline constexpr int k_embedded_log_format = 1;

} // namespace portal::infra
