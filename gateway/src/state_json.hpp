#pragma once

/// The auditor's view of one stream at a point in time: the aggregate's
/// state folded from the stream's events up to that time with the
/// aggregate's own `evolve`, rendered as JSON (`portal history STREAM
/// --as-of TIME`, `GET /api/v1/reports/{id}?asOf=<time>`).
///
/// JSON conventions (docs/API.md): camelCase names; ids and texts as
/// strings (an unset text or id is `""`, as in the read models); dates
/// `YYYY-MM-DD` and times RFC 3339 UTC, `null` when unset; enums as
/// lower-case snake_case strings (`draft`, `final_part1`, `electronic`);
/// minutes also as `hours` (an integer when whole). Secrets (password,
/// token and PIN hashes) are never rendered: an account shows
/// `hasPassword`, `hasPin` and the expiry of a pending invitation or reset.
///
/// Pure functions apart from `fold_stream_as_of`, which reads the log;
/// every function may be called from any thread.

#include "access_grant/access_grant.hpp"
#include "account/account.hpp"
#include "chamber/chamber.hpp"
#include "company/company.hpp"
#include "contract/contract.hpp"
#include "document/document.hpp"
#include "exam/exam.hpp"
#include "examiner/examiner.hpp"
#include "portal/events/error.hpp"
#include "portal/events/event_log.hpp"
#include "portal/events/time.hpp"
#include "proposal/proposal.hpp"
#include "reminder/reminder.hpp"
#include "report/report.hpp"
#include "seminar/seminar.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string_view>

namespace portal::gateway {

/// The aggregate a stream id belongs to, by its prefix: `account`,
/// `company`, `contract`, `document`, `report`, `grant`, `exam`,
/// `examiner`, `proposal`, `seminar`, `reminders` (the streams
/// `<kind>-<id>`) and `chamber` (the stream `chamber`); nullopt for any
/// other stream id.
std::optional<std::string_view> stream_kind(std::string_view stream) noexcept;

/// Calls `f.template operator()<State>()` with the state type of the
/// aggregate `kind` (a `stream_kind`; any other kind is the chamber's).
template<class F>
decltype(auto)
with_state_type(std::string_view kind, F&& f)
{
    if (kind == "account") {
        return f.template operator()<domain::account::state>();
    }
    if (kind == "company") {
        return f.template operator()<domain::company::state>();
    }
    if (kind == "contract") {
        return f.template operator()<domain::contract::state>();
    }
    if (kind == "document") {
        return f.template operator()<domain::document::state>();
    }
    if (kind == "report") {
        return f.template operator()<domain::report::state>();
    }
    if (kind == "grant") {
        return f.template operator()<domain::access_grant::state>();
    }
    if (kind == "exam") {
        return f.template operator()<domain::exam::state>();
    }
    if (kind == "examiner") {
        return f.template operator()<domain::examiner::state>();
    }
    if (kind == "proposal") {
        return f.template operator()<domain::proposal::state>();
    }
    if (kind == "seminar") {
        return f.template operator()<domain::seminar::state>();
    }
    if (kind == "reminders") {
        return f.template operator()<domain::reminder::state>();
    }
    return f.template operator()<domain::chamber::state>();
}

/// Folds the events of `stream` recorded (envelope `recordedAt`, the log's
/// clock) at or before `as_of` (every event when empty; the fold stops at
/// the first later event, as `portal history` does) with the aggregate's
/// `evolve`, and renders the state with the `to_json` below plus
/// `stream`, `aggregate` (see `stream_kind`), `id` (the stream id without its
/// prefix; absent for `chamber`), `version` (of the last folded event),
/// `asOf` (the requested time, `null` when empty) and `lastRecordedAt`
/// (of the last folded event).
///
/// Errors: `history.unknown_stream_kind` (invalid) for a stream id of no
/// known aggregate; `history.not_found` (not_found) when the stream has no
/// event at or before `as_of` (unknown, or created later); the log's
/// (`log.unavailable`) and `codec.malformed` for an undecodable event.
result<boost::json::object> fold_stream_as_of(events::event_log& log,
                                              std::string_view stream,
                                              std::optional<timestamp> as_of);

/// `{exists, id, email, name, roles: [{role, companyId, contractId}],
/// hasPassword, hasPin, invitation: {expiresAt}|null, passwordReset:
/// {expiresAt}|null, consecutiveFailures, lockedUntil, erased}`; no hash.
boost::json::object to_json(const domain::account::state& s);

/// `{exists, id, name, memberNumber, email, address: {street, zip, town},
/// centralCompanyId, branches, publicationConsent, recordSettings:
/// [{occupation, electronic, reminders}], trainers: [{id, name, email,
/// accountId}], companyAccounts, representatives: [{id, name, email,
/// accountId, employee, status}]}`.
boost::json::object to_json(const domain::company::state& s);

/// `{exists, settings: {maxFailedLogins, lockMinutes, gradeTable:
/// [{minPoints, grade}], periodKind}, occupations: [{name, periodKind,
/// durationMonths}]}`.
boost::json::object to_json(const domain::chamber::state& s);

/// `{exists, contractId, days, expiresAt, revoked}`.
boost::json::object to_json(const domain::access_grant::state& s);

/// `{exists, status: active|ended, companyId, trainee: {name, birthDate,
/// email, minor}, traineeNumber, occupation, start, end, recordForm,
/// periodKind, trainerIds, confirmationDocumentId, traineeAccountId,
/// ended, endedOn, endReason, personalDataErased}` (`endReason` null while
/// not ended; after the erasure the trainee's name and email are empty and
/// birthDate null).
boost::json::object to_json(const domain::contract::state& s);

/// `{exists, status: issued|withdrawn, kind, title, companyId, contractId,
/// body, withdrawn, withdrawalReason}`.
boost::json::object to_json(const domain::document::state& s);

/// `{exists, status, contractId, companyId, period, firstDay, lastDay,
/// trainingYear, entries: [{kind, text, minutes, hours, day,
/// frameworkItems}], absences: [{date, kind, minutes, note}],
/// approverEmail, approverAccountId, comment, remarks, reopened}`.
boost::json::object to_json(const domain::report::state& s);

/// `{exists, name, occupation, type, date, location, proposalDeadline,
/// cancelled, cancelReason, registrations: [{id, contractId, companyId,
/// traineeName, traineeAccountId, status, refusalReason, result, parts:
/// [{name, points}], totalPoints, grade, published}]}` (`totalPoints` and
/// `grade` null without a result).
boost::json::object to_json(const domain::exam::state& s);

/// `{exists, accountId, appointments: [{id, committee, occupation,
/// memberRole, termStart, termEnd, endedOn, examIds}]}`.
boost::json::object to_json(const domain::examiner::state& s);

/// `{exists, status, contractId, examId, companyId, traineeAccountId,
/// title, phases: [{name, minutes, hours}], totalMinutes, description,
/// companyConsent, revision, remarks, committee}`.
boost::json::object to_json(const domain::proposal::state& s);

/// `{exists, title, date, location, capacity, confirmed, registrations:
/// [{id, accountId, status}]}`.
boost::json::object to_json(const domain::seminar::state& s);

/// `{exists, sent: [{kind, level, day, recipientEmail, items}]}`.
boost::json::object to_json(const domain::reminder::state& s);

} // namespace portal::gateway
