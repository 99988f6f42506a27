#pragma once

/// Assertions for Given/When/Then tests of aggregates: what a decision must
/// yield, and small helpers for times and texts.

#include "common/domain.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace portal::testing {

/// The decision failed with `code` of class `cls`.
inline ::testing::AssertionResult
fails_with(const domain::decision& d, std::string_view code, error_class cls)
{
    if (d) {
        return ::testing::AssertionFailure()
               << "expected " << code << " but got " << d->size() << " event(s)";
    }
    if (d.error().code != code || d.error().cls != cls) {
        return ::testing::AssertionFailure()
               << "expected " << code << " (" << to_string(cls) << ") but got " << d.error().code
               << " (" << to_string(d.error().cls) << ")";
    }
    return ::testing::AssertionSuccess();
}

/// The decision yielded exactly one event named `name`.
inline ::testing::AssertionResult
yields(const domain::decision& d, std::string_view name)
{
    if (!d) {
        return ::testing::AssertionFailure() << "error " << d.error().code;
    }
    if (d->size() != 1) {
        return ::testing::AssertionFailure() << d->size() << " events";
    }
    auto actual = events::event_name(d->front().reader());
    if (actual != name) {
        return ::testing::AssertionFailure() << "got " << actual;
    }
    return ::testing::AssertionSuccess();
}

/// The decision changed nothing (an idempotent repeat).
inline ::testing::AssertionResult
nothing(const domain::decision& d)
{
    if (!d) {
        return ::testing::AssertionFailure() << "error " << d.error().code;
    }
    if (!d->empty()) {
        return ::testing::AssertionFailure() << d->size() << " events";
    }
    return ::testing::AssertionSuccess();
}

/// A Cap'n Proto text as std::string.
inline std::string
text(::capnp::Text::Reader t)
{
    return std::string(t.cStr(), t.size());
}

/// The instant `hour`:00 UTC of `day` (YYYY-MM-DD).
inline timestamp
at(const char* day, int hour = 10)
{
    auto d = parse_date(day).value();
    return std::chrono::sys_days(d) + std::chrono::hours(hour);
}

} // namespace portal::testing
