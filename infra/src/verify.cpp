#include "portal/infra/verify.hpp"

#include "portal/events/message.hpp"
#include "portal/infra/crypto.hpp"

#include <fmt/format.h>

#include <unordered_map>

namespace portal::infra {

namespace {

struct chain
{
    std::uint64_t version = 0;
    std::string last_hash;
    std::string partition_key;
};

} // namespace

result<verify_report>
verify_chains(events::event_log& log)
{
    crypto_init();
    verify_report report;
    std::unordered_map<std::string, chain> chains;
    events::position after;
    auto broken = [&](const events::recorded_event& e, std::string reason) {
        report.first_broken = broken_event{ e.position, e.stream, e.version, std::move(reason) };
    };
    for (;;) {
        auto batch = log.read_all_stored(after, 4096);
        if (!batch) {
            if (batch.error().code == "log.corrupt") {
                report.first_broken =
                  broken_event{ events::position{ after.value + 1 }, "", 0, batch.error().message };
                return report;
            }
            return fail(batch.error());
        }
        if (batch->empty()) {
            break;
        }
        for (const auto& e : *batch) {
            ++report.events;
            after = e.position;
            auto env = events::envelope::decode(e.envelope_bytes);
            if (!env) {
                broken(e, "envelope does not decode: " + env.error().message);
                return report;
            }
            auto r = env->reader();
            std::string stream(r.getStreamId().cStr(), r.getStreamId().size());
            if (stream != e.stream || r.getStreamVersion() != e.version) {
                broken(e, "envelope does not match its index entry");
                return report;
            }
            auto& c = chains[stream];
            if (r.getStreamVersion() != c.version + 1) {
                broken(
                  e, fmt::format("version {} follows version {}", r.getStreamVersion(), c.version));
                return report;
            }
            auto prev = r.getPrevHash();
            std::string_view prev_hash(reinterpret_cast<const char*>(prev.begin()), prev.size());
            if (prev_hash != c.last_hash) {
                broken(e, "prevHash does not match the previous envelope");
                return report;
            }
            std::string key(r.getPartitionKey().cStr(), r.getPartitionKey().size());
            if (c.version > 0 && key != c.partition_key) {
                broken(e, "partition key changed within the stream");
                return report;
            }
            c.version = r.getStreamVersion();
            c.partition_key = std::move(key);
            c.last_hash = blake2b_256(e.envelope_bytes);
        }
    }
    report.streams = chains.size();
    for (const auto& [stream, c] : chains) {
        auto head = log.head(stream);
        if (!head) {
            return fail(head.error());
        }
        if (head->version != c.version || head->last_hash != c.last_hash) {
            report.first_broken =
              broken_event{ events::position{ 0 },
                            stream,
                            c.version,
                            fmt::format("head (version {}) does not match the last event "
                                        "(version {}) or its hash",
                                        head->version,
                                        c.version) };
            return report;
        }
    }
    return report;
}

} // namespace portal::infra
