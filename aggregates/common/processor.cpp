#include "common/processor.hpp"

namespace portal::domain {

events::append_request
make_append(const target& t,
            std::uint64_t expected_version,
            const event_list& events,
            const command_meta& meta,
            std::vector<events::stream_check> checks)
{
    events::append_request request;
    request.stream = t.stream;
    request.partition_key = t.partition_key;
    request.expected = events::expected_version::exact(expected_version);
    request.payloads.reserve(events.size());
    for (const auto& e : events) {
        request.payloads.emplace_back(e.bytes());
    }
    request.command_id = meta.command_id;
    request.checks = std::move(checks);
    request.actor = events::actor{ meta.actor.account_id,
                                   meta.actor.acting_as,
                                   meta.actor.on_behalf_of_company_id };
    request.correlation_id = meta.correlation_id;
    request.causation_id = meta.causation_id;
    return request;
}

} // namespace portal::domain
