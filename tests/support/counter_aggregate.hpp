#pragma once

/// A test aggregate for the generic command path: a counter that only grows
/// by the amounts added, up to a limit the context brings (from a fact).
/// Its events are withdrawn-document events whose reason is the amount, so
/// no schema change is needed for it. Used by the processor and pipelined
/// writer tests.

#include "common/domain.hpp"

#include <string>

namespace portal::testing::counter {

struct state
{
    int value = 0;
};

struct add
{
    int amount = 0;
};

struct context : domain::context_base
{
    int limit = 0;
};

inline state
evolve(state s, schema::Event::Reader e)
{
    if (e.isDocument() && e.getDocument().isWithdrawn()) {
        s.value += std::stoi(domain::str(e.getDocument().getWithdrawn().getReason()));
    }
    return s;
}

/// Adds `c.amount`: nothing for 0, `counter.limit` above the limit.
inline domain::decision
decide(const state& s, const add& c, const context& ctx)
{
    if (c.amount == 0) {
        return domain::no_events();
    }
    if (s.value + c.amount > ctx.limit) {
        return domain::reject("counter.limit", "over the limit");
    }
    return domain::one_event([&](schema::Event::Builder e) {
        e.initDocument().initWithdrawn().setReason(std::to_string(c.amount));
    });
}

} // namespace portal::testing::counter
