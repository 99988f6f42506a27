#pragma once

/// A key-value store for read models on RocksDB: point reads, ordered
/// iteration over a key range or prefix, and atomic batches of writes.
///
/// Keys and values are byte strings ordered bytewise. A `write_batch` is
/// built in memory and applied all-or-nothing by `kv_store::write`; it also
/// answers what it would change (`lookup`), so a caller can read its own
/// pending writes before they are committed.

#include "portal/events/error.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portal::infra {

/// The smallest key greater than every key that starts with `prefix`;
/// empty when there is none (the prefix is all 0xff bytes or empty).
std::string prefix_end(std::string_view prefix);

/// Pending writes: puts, deletes and prefix deletes. Applied by
/// `kv_store::write` in one atomic step; the outcome equals applying the
/// calls in the order they were made. Not thread-safe.
class write_batch
{
  public:
    /// What the batch says about one key.
    enum class state
    {
        untouched, ///< the batch does not change the key
        written,   ///< the batch puts a value
        erased,    ///< the batch deletes the key
    };

    /// Puts `value` at `key`.
    void put(std::string_view key, std::string_view value);

    /// Deletes `key`.
    void erase(std::string_view key);

    /// Deletes every key that starts with `prefix` (already stored ones and
    /// earlier puts of this batch); later puts stay.
    void erase_prefix(std::string_view prefix);

    /// What the batch does to `key`; `value` receives the value when written.
    state lookup(std::string_view key, std::string* value = nullptr) const;

    /// True when the batch changes nothing.
    bool empty() const noexcept { return writes_.empty() && erased_prefixes_.empty(); }

    /// Number of keys written or erased (prefix deletes count once each).
    std::size_t size() const noexcept { return writes_.size() + erased_prefixes_.size(); }

    /// Forgets every pending write.
    void clear();

    /// The point writes in key order (nullopt = delete); for the store and
    /// for readers merging pending writes into a scan.
    const std::map<std::string, std::optional<std::string>, std::less<>>& writes() const noexcept
    {
        return writes_;
    }

    /// The prefix deletes, applied before the point writes.
    const std::vector<std::string>& erased_prefixes() const noexcept { return erased_prefixes_; }

    /// True when `key` falls under one of the erased prefixes.
    bool under_erased_prefix(std::string_view key) const noexcept;

  private:
    std::map<std::string, std::optional<std::string>, std::less<>> writes_;
    std::vector<std::string> erased_prefixes_;
};

/// Options of the store.
struct kv_store_options
{
    /// The directory of the database (created when missing); it belongs to
    /// this store alone (e.g. `<data-dir>/read`).
    std::filesystem::path dir;
    /// Default for `write`: sync the WAL before returning.
    bool sync = false;
};

/// Called per entry of a scan in key order; return false to stop.
using kv_visitor = std::function<bool(std::string_view key, std::string_view value)>;

/// The store. Every member is thread-safe. Errors: `kv.unavailable`
/// (unavailable) when storage fails.
class kv_store
{
  public:
    virtual ~kv_store() = default;

    /// The value at `key`; nullopt when absent.
    virtual result<std::optional<std::string>> get(std::string_view key) = 0;

    /// Visits the keys in [`from`, `to`) in order (`to` empty = to the end),
    /// on a consistent snapshot.
    virtual result<void> scan(std::string_view from,
                              std::string_view to,
                              const kv_visitor& visit) = 0;

    /// Visits the keys that start with `prefix` in order.
    result<void> scan_prefix(std::string_view prefix, const kv_visitor& visit)
    {
        return scan(prefix, prefix_end(prefix), visit);
    }

    /// Applies `batch` atomically (all or nothing), syncing the WAL when
    /// `sync` (or the store's default when nullopt).
    virtual result<void> write(const write_batch& batch,
                               std::optional<bool> sync = std::nullopt) = 0;

    /// Applies `batch` atomically without writing it to the write-ahead
    /// log (for bulk rebuilds): readers see it at once, but a crash of the
    /// process before the next `flush` loses it, and with it every later
    /// unlogged write (logged writes of the same time survive). What
    /// survives a crash is always whole batches, never part of one. A
    /// caller must not trust these writes (e.g. mark a rebuild complete
    /// with a logged write) before `flush` returned.
    virtual result<void> write_unlogged(const write_batch& batch) = 0;

    /// Makes every write so far durable, unlogged ones included (the
    /// in-memory tables written to synced files). Blocks until done.
    virtual result<void> flush() = 0;
};

/// Opens (or creates) a store.
///
/// Errors: `kv.locked` (unavailable) when another process holds the
/// directory; `kv.unavailable` for other storage failures.
result<std::unique_ptr<kv_store>> open_kv_store(kv_store_options options);

} // namespace portal::infra
