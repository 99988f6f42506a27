#pragma once

/// An event log that forwards every call to another log: the base of test
/// doubles that change one or two calls (fail appends, count reads).

#include "portal/events/event_log.hpp"

namespace portal::testing {

class forwarding_log : public events::event_log
{
  public:
    explicit forwarding_log(events::event_log& inner)
      : inner_(inner)
    {
    }

    result<events::append_result> append(events::append_request r) override
    {
        return inner_.append(std::move(r));
    }
    result<std::vector<events::recorded_event>> read_stream(std::string_view s,
                                                            std::uint64_t from,
                                                            std::size_t max) override
    {
        return inner_.read_stream(s, from, max);
    }
    result<std::vector<events::recorded_event>> read_all(events::position after,
                                                         std::size_t max) override
    {
        return inner_.read_all(after, max);
    }
    result<std::unique_ptr<events::subscription>> subscribe(events::position after,
                                                            events::event_handler h) override
    {
        return inner_.subscribe(after, std::move(h));
    }
    result<events::stream_head> head(std::string_view s) override { return inner_.head(s); }
    result<std::optional<events::append_result>> find_command(std::string_view id) override
    {
        return inner_.find_command(id);
    }
    events::position last_position() const override { return inner_.last_position(); }

  protected:
    events::event_log& inner_;
};

} // namespace portal::testing
