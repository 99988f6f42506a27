#pragma once

/// The shape every aggregate shares (CONVENTIONS.md, "Aggregates are pure"):
///
///   decide(const state&, const command&, const context&) -> decision
///   evolve(state, <aggregate>Event::Reader) -> state     (total, no default)
///
/// No I/O, no clock, no globals: time arrives as `context.now`, ids arrive in
/// the command, facts from other aggregates arrive in the context.

#include "portal/events/error.hpp"
#include "portal/events/event_log.hpp"
#include "portal/events/message.hpp"
#include "portal/events/strong_id.hpp"
#include "portal/events/time.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace portal::domain {

using events::event_payload;
using events::role;

/// The events a decision produces; empty when the command changes nothing.
using event_list = std::vector<event_payload>;

/// The outcome of `decide`.
using decision = result<event_list>;

/// Who acts: the account, the role it acts in and, for representatives and
/// central offices, the company it acts for.
struct principal
{
    std::string account_id;
    role acting_as = role::system;
    std::string on_behalf_of_company_id;
};

/// What every decision gets from outside the stream.
struct context_base
{
    principal actor;
    timestamp now;
};

/// Builds one event: `fill` receives a `schema::Event::Builder`.
template<class F>
event_payload
make_event(F&& fill)
{
    return event_payload::build(std::forward<F>(fill));
}

/// A decision with exactly one event.
template<class F>
decision
one_event(F&& fill)
{
    event_list list;
    list.push_back(make_event(std::forward<F>(fill)));
    return list;
}

/// A decision that changes nothing (an idempotent repeat).
inline decision
no_events()
{
    return event_list{};
}

/// A domain rule was violated (`error_class::rejected`).
inline std::unexpected<error>
reject(std::string code, std::string message)
{
    return fail(error::rejected(std::move(code), std::move(message)));
}

/// Bad input (`error_class::invalid`).
inline std::unexpected<error>
invalid(std::string code, std::string message)
{
    return fail(error::invalid(std::move(code), std::move(message)));
}

/// The actor may not do this (`error_class::forbidden`).
inline std::unexpected<error>
forbid(std::string code, std::string message)
{
    return fail(error::forbidden(std::move(code), std::move(message)));
}

/// The aggregate does not exist (`error_class::not_found`).
inline std::unexpected<error>
missing(std::string code, std::string message)
{
    return fail(error::not_found(std::move(code), std::move(message)));
}

/// Text limits shared by the domain.
inline constexpr std::size_t k_max_name = 200;
inline constexpr std::size_t k_max_email = 254;
inline constexpr std::size_t k_max_text = 4000;
/// The longest reason of an erasure of personal data, in code points.
inline constexpr std::size_t k_max_erase_reason = 500;

/// A plausible e-mail address: one `@`, non-empty local part, a dot in the
/// domain, no spaces or control characters, at most 254 bytes.
bool valid_email(std::string_view email) noexcept;

/// Lower-cased, trimmed e-mail address (logins compare case-insensitively).
std::string normalize_email(std::string_view email);

/// Non-empty after trimming and at most `max` bytes of valid UTF-8 without
/// control characters other than newline and tab.
bool valid_text(std::string_view text, std::size_t max) noexcept;

/// A required reason of an erasure: valid text (`valid_text`) of at most
/// `k_max_erase_reason` UTF-8 code points.
bool valid_erase_reason(std::string_view reason) noexcept;

/// Trims ASCII white space at both ends.
std::string_view trim(std::string_view text) noexcept;

/// Converts a Cap'n Proto text reader to std::string.
inline std::string
str(::capnp::Text::Reader text)
{
    return std::string(text.cStr(), text.size());
}

} // namespace portal::domain
