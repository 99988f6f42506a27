#pragma once

/// The days a training contract covers, and from them whether it runs and
/// whether it has ended: the one rule the aggregates (`contract::is_active`,
/// hence authorisation and exam registration) and the read models (a
/// contract's reported `status`, the company's access to results, the
/// reminder run) share. Here because `events` is the one pure library both
/// sides may use. Pure; any thread.

#include "portal/events/time.hpp"

#include <optional>

namespace portal {

/// A contract's start and end date and the date of its `contract.ended`
/// event (regular end or early termination), if any.
struct contract_term
{
    date start{};
    date end{};
    std::optional<date> ended_on;

    /// The last day of training: the end date, or the earlier day the
    /// contract was ended as of.
    constexpr date last_day() const noexcept
    {
        return ended_on && *ended_on < end ? *ended_on : end;
    }

    /// The contract runs on `today`: `start <= today <= last_day()`. An end
    /// recorded as of a later day leaves it running until that day.
    constexpr bool runs_on(date today) const noexcept
    {
        return !(today < start) && !(last_day() < today);
    }

    /// The contract has ended by `today`: its last day lies before `today`,
    /// whether an end was recorded or its end date simply passed. A contract
    /// that has not started yet has not ended.
    constexpr bool has_ended(date today) const noexcept { return last_day() < today; }
};

} // namespace portal
