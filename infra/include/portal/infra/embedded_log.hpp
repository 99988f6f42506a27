#pragma once

/// The embedded event log: the default on one machine, on RocksDB.
///
/// Column families: `events` (position -> envelope), `streams` (stream +
/// version -> position), `heads` (stream -> version, hash, partition key),
/// `commands` (command id -> first append result). One atomic WriteBatch per
/// commit group: the appending threads check each append's expectations
/// against the heads ordered so far and put it into the open group; a
/// single writer thread writes one group after another in one batch each
/// and syncs the WAL once per group (group commit) before acknowledging any
/// of its appends, while the next group fills. A failed group fails every
/// group ordered after it. With an `events::append_pipeline` on the calling
/// thread, `append` returns once ordered and hands its durability to the
/// pipeline. Every envelope carries the BLAKE2b-256 hash of the previous
/// envelope of its stream.

#include "portal/events/event_log.hpp"
#include "portal/events/time.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

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
    /// Tests only: called on the writer thread before each commit group is
    /// written; an error fails the group as a failed write would.
    std::function<result<void>()> before_commit;
};

/// Opens (or creates) the embedded log.
///
/// Errors: `log.locked` (unavailable) when another process holds the
/// directory; `log.newer_format` (invalid) when the directory was written by
/// a newer version of the portal; `log.unavailable` for other storage
/// failures.
result<std::unique_ptr<events::event_log>> open_embedded_log(embedded_log_options options);

/// How the subscriptions of an embedded log read it: the chunks they read
/// from RocksDB, and the reads that took a chunk another subscription had
/// read (subscriptions at the same position share their reads).
struct subscription_read_stats
{
    std::uint64_t log_reads = 0;
    std::uint64_t shared_reads = 0;
};

/// The subscription reads of `log` so far when it is an embedded log (as
/// `open_embedded_log` returned it), else nullopt. Thread-safe.
std::optional<subscription_read_stats> embedded_subscription_reads(const events::event_log& log);

/// The on-disk format version this build reads and writes (2: personal data
/// sealed per subject, column family `keys`; a build for 1 refuses it).
inline constexpr int k_embedded_log_format = 2;

} // namespace portal::infra
