#pragma once

// A projector for the rebuild tests (projection_rebuild_test.cpp and its
// crash child): counts the events in `count` and writes one key per event,
// so a model that lost writes, or saw an event twice, differs from the
// expected one.

#include "portal/events/message.hpp"
#include "portal/projections/runner.hpp"

#include <fmt/format.h>

#include <atomic>
#include <functional>
#include <string>

namespace portal::testing {

class tally_projector final : public projections::projector
{
  public:
    std::string_view name() const override { return "tally"; }
    std::uint32_t version() const override { return 1; }

    result<void> apply(const events::recorded_event& event,
                       schema::Envelope::Reader,
                       projections::write_batch& batch,
                       projections::reader& model) override
    {
        if (on_apply) {
            on_apply(event);
        }
        auto count = model.get("count");
        if (!count) {
            return fail(count.error());
        }
        auto n = *count ? std::stoull(**count) : 0;
        batch.put("count", std::to_string(n + 1));
        batch.put(fmt::format("e/{:08}", event.position.value), event.stream);
        ++applied;
        return {};
    }

    /// Called first in every `apply` (on the runner's thread).
    std::function<void(const events::recorded_event&)> on_apply;
    /// Events applied by this instance.
    std::atomic<std::uint64_t> applied{ 0 };
};

/// Appends a neutral event (a withdrawn document) on stream `stream`.
inline result<events::append_result>
append_marker(events::event_log& log, const std::string& stream)
{
    auto payload = events::event_payload::build(
      [](schema::Event::Builder b) { b.initDocument().initWithdrawn().setReason("x"); });
    events::append_request r;
    r.stream = stream;
    r.partition_key = "marker";
    r.payloads.emplace_back(payload.bytes());
    r.actor = { {}, events::role::system, {} };
    return log.append(std::move(r));
}

} // namespace portal::testing
