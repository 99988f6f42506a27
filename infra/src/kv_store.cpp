#include "portal/infra/kv_store.hpp"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

namespace portal::infra {

std::string
prefix_end(std::string_view prefix)
{
    std::string end(prefix);
    while (!end.empty()) {
        auto last = static_cast<unsigned char>(end.back());
        if (last != 0xff) {
            end.back() = static_cast<char>(last + 1);
            return end;
        }
        end.pop_back();
    }
    return end;
}

void
write_batch::put(std::string_view key, std::string_view value)
{
    auto it = writes_.find(key);
    if (it == writes_.end()) {
        writes_.emplace(std::string(key), std::string(value));
    } else {
        it->second = std::string(value);
    }
}

void
write_batch::erase(std::string_view key)
{
    auto it = writes_.find(key);
    if (it == writes_.end()) {
        writes_.emplace(std::string(key), std::nullopt);
    } else {
        it->second.reset();
    }
}

void
write_batch::erase_prefix(std::string_view prefix)
{
    auto first = writes_.lower_bound(prefix);
    auto end = prefix_end(prefix);
    auto last = end.empty() ? writes_.end() : writes_.lower_bound(end);
    writes_.erase(first, last);
    erased_prefixes_.emplace_back(prefix);
}

bool
write_batch::under_erased_prefix(std::string_view key) const noexcept
{
    for (const auto& p : erased_prefixes_) {
        if (key.starts_with(p)) {
            return true;
        }
    }
    return false;
}

write_batch::state
write_batch::lookup(std::string_view key, std::string* value) const
{
    if (auto it = writes_.find(key); it != writes_.end()) {
        if (!it->second) {
            return state::erased;
        }
        if (value != nullptr) {
            *value = *it->second;
        }
        return state::written;
    }
    return under_erased_prefix(key) ? state::erased : state::untouched;
}

void
write_batch::clear()
{
    writes_.clear();
    erased_prefixes_.clear();
}

namespace {

error
storage_error(const rocksdb::Status& s, std::string_view what)
{
    return error::unavailable("kv.unavailable", fmt::format("{}: {}", what, s.ToString()));
}

class rocks_kv_store final : public kv_store
{
  public:
    rocks_kv_store(kv_store_options options, std::unique_ptr<rocksdb::DB> db)
      : options_(std::move(options))
      , db_(std::move(db))
    {
    }

    ~rocks_kv_store() override { db_->Close(); }

    result<std::optional<std::string>> get(std::string_view key) override
    {
        std::string value;
        auto s =
          db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), rocksdb::Slice(key), &value);
        if (s.IsNotFound()) {
            return std::optional<std::string>{};
        }
        if (!s.ok()) {
            return fail(storage_error(s, "get"));
        }
        return std::optional<std::string>(std::move(value));
    }

    result<void> scan(std::string_view from, std::string_view to, const kv_visitor& visit) override
    {
        rocksdb::ReadOptions read;
        rocksdb::Slice upper(to);
        if (!to.empty()) {
            read.iterate_upper_bound = &upper;
        }
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read));
        for (it->Seek(rocksdb::Slice(from)); it->Valid(); it->Next()) {
            if (!visit(it->key().ToStringView(), it->value().ToStringView())) {
                break;
            }
        }
        if (!it->status().ok()) {
            return fail(storage_error(it->status(), "scan"));
        }
        return {};
    }

    result<void> write(const write_batch& batch, std::optional<bool> sync) override
    {
        rocksdb::WriteOptions options;
        options.sync = sync.value_or(options_.sync);
        return apply(batch, options);
    }

    result<void> write_unlogged(const write_batch& batch) override
    {
        rocksdb::WriteOptions options;
        options.disableWAL = true;
        return apply(batch, options);
    }

    result<void> flush() override
    {
        rocksdb::FlushOptions options;
        options.wait = true;
        auto s = db_->Flush(options);
        if (!s.ok()) {
            return fail(storage_error(s, "flush"));
        }
        // The flush synced the table files; sync the log too, so logged
        // writes made before this call are durable as well.
        s = db_->SyncWAL();
        if (!s.ok() && !s.IsNotSupported()) {
            return fail(storage_error(s, "flush"));
        }
        return {};
    }

  private:
    result<void> apply(const write_batch& batch, const rocksdb::WriteOptions& options)
    {
        rocksdb::WriteBatch wb;
        for (const auto& prefix : batch.erased_prefixes()) {
            auto end = prefix_end(prefix);
            if (!end.empty()) {
                auto s = wb.DeleteRange(rocksdb::Slice(prefix), rocksdb::Slice(end));
                if (!s.ok()) {
                    return fail(storage_error(s, "write"));
                }
                continue;
            }
            // No upper bound: delete key by key up to the end.
            auto scanned = scan(prefix, {}, [&](std::string_view key, std::string_view) {
                wb.Delete(rocksdb::Slice(key));
                return true;
            });
            if (!scanned) {
                return fail(scanned.error());
            }
        }
        for (const auto& [key, value] : batch.writes()) {
            auto s = value ? wb.Put(rocksdb::Slice(key), rocksdb::Slice(*value))
                           : wb.Delete(rocksdb::Slice(key));
            if (!s.ok()) {
                return fail(storage_error(s, "write"));
            }
        }
        auto s = db_->Write(options, &wb);
        if (!s.ok()) {
            return fail(storage_error(s, "write"));
        }
        return {};
    }

    kv_store_options options_;
    std::unique_ptr<rocksdb::DB> db_;
};

} // namespace

result<std::unique_ptr<kv_store>>
open_kv_store(kv_store_options options)
{
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec) {
        return fail(error::unavailable(
          "kv.unavailable",
          fmt::format("cannot create {}: {}", options.dir.string(), ec.message())));
    }
    rocksdb::Options db_options;
    db_options.create_if_missing = true;
    db_options.IncreaseParallelism(2);
    db_options.max_total_wal_size = 256 << 20;
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(db_options, options.dir.string(), &raw);
    if (!s.ok()) {
        if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
            return fail(
              error::unavailable("kv.locked",
                                 fmt::format("the directory {} is in use by another process: {}",
                                             options.dir.string(),
                                             s.ToString())));
        }
        return fail(storage_error(s, "open"));
    }
    std::unique_ptr<rocksdb::DB> db(raw);
    return std::unique_ptr<kv_store>(
      std::make_unique<rocks_kv_store>(std::move(options), std::move(db)));
}

} // namespace portal::infra
