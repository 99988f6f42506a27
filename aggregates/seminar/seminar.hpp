#pragma once

/// The examiner seminar: scheduled by staff with a capacity; examiners
/// request a place, staff confirm while places are free, registrations can
/// be cancelled. Stream `seminar-<id>`, partition key `seminar-<id>`: all
/// registrations live in the seminar's stream, so the capacity holds strictly.

#include "common/domain.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portal::domain::seminar {

/// Where a registration stands.
enum class registration_status
{
    requested, ///< waiting for staff
    confirmed, ///< holds a place
    cancelled, ///< by the examiner or staff
};

/// One registration.
struct registration
{
    std::string id;
    std::string account_id;
    registration_status status = registration_status::requested;
};

/// The folded seminar.
struct state
{
    bool exists = false;
    std::string title;
    date day{};
    std::string location;
    unsigned capacity = 0;
    std::vector<registration> registrations;
};

/// Confirmed registrations (places taken).
unsigned confirmed_count(const state& s) noexcept;

/// Stable names: "requested", "confirmed", "cancelled".
std::string_view to_string(registration_status s) noexcept;

// --- commands -----------------------------------------------------------------

/// Staff schedule the seminar.
struct schedule
{
    std::string title;
    std::string date; ///< YYYY-MM-DD
    std::string location;
    unsigned capacity = 0; ///< at least 1
};

/// The acting examiner requests a place (for their own account).
struct request_registration
{
    std::string registration_id;
};

/// Staff confirm a requested registration.
struct confirm_registration
{
    std::string registration_id;
};

/// The registered examiner or staff cancel a registration.
struct cancel_registration
{
    std::string registration_id;
    std::string reason;
};

// --- context --------------------------------------------------------------------

/// What decisions on a seminar need from outside the stream.
struct context : context_base
{
    /// The acting account holds an examiner appointment (from its account or
    /// examiner stream); for `request_registration`.
    bool actor_is_examiner = false;
};

/// Schedules. Errors: `seminar.not_staff` (forbidden),
/// `validation.title|date|location|capacity` (invalid), `seminar.date_in_past`,
/// `seminar.already_scheduled` (rejected). The identical command again
/// yields no events.
decision decide(const state& s, const schedule& c, const context& ctx);

/// Requests a place. Errors: `seminar.not_found` (not_found),
/// `validation.registration_id` (invalid), `seminar.not_examiner`
/// (forbidden), `seminar.registration_id_taken`, `seminar.already_registered`
/// (one registration per account that is not cancelled),
/// `seminar.registration_closed` (after the date) (rejected). The same
/// request again yields no events. Requests are not limited by the capacity.
decision decide(const state& s, const request_registration& c, const context& ctx);

/// Confirms. Errors: `seminar.not_staff` (forbidden), `seminar.not_found`,
/// `seminar.registration_not_found` (not_found), `seminar.registration_cancelled`,
/// `seminar.full` (every place is taken) (rejected). Again: no events.
decision decide(const state& s, const confirm_registration& c, const context& ctx);

/// Cancels. Errors: `seminar.not_found`, `seminar.registration_not_found`
/// (not_found), `seminar.not_allowed` (forbidden: neither the registered
/// account nor staff). Cancelling again yields no events.
decision decide(const state& s, const cancel_registration& c, const context& ctx);

// --- evolve -----------------------------------------------------------------------

/// Applies one seminar event (total over `SeminarEvent`).
state evolve(state s, schema::SeminarEvent::Reader event);

/// Applies an event if it is a seminar event; others leave `s` as is.
state evolve(state s, schema::Event::Reader event);

/// Folds events from the empty state.
state fold(const std::vector<event_payload>& events);

// --- streams ------------------------------------------------------------------------

/// "seminar-<id>".
std::string stream_id(std::string_view seminar_id);

/// "seminar-<id>".
std::string partition_key(std::string_view seminar_id);

} // namespace portal::domain::seminar
