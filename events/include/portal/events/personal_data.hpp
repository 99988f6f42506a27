#pragma once

/// Which fields of which events are personal data, and whose (crypto-shredding).
///
/// The log stores an event's personal fields sealed under a key per subject
/// (a person: `account-<id>` for an account's holder, `contract-<id>` for a
/// contract's trainee) and empty in the payload (`Envelope.sealed`); it
/// destroys the subject's key when it appends the event that erases the
/// subject. Readers of the log see the fields restored while the key exists
/// and empty afterwards, so erasure reaches the append-only log, its copies
/// and every rebuild.
///
/// The fields of an event and their order are part of the storage format:
/// never reorder or remove one; a new field of an existing event goes to the
/// end of its subject's list (values of events sealed before are then fewer
/// and the missing ones read as empty).
///
/// The events, their subject and fields (docs/events.md has the table):
/// - `account.created` (subject: its stream, `account-<id>`): email, name;
/// - `company.trainer_registered` (`company-<id>/trainer-<trainerId>`):
///   name, email; `company.representative_appointed`
///   (`company-<id>/representative-<representativeId>`): name;
///   `company.employee_representative_requested` (the same): name, email;
/// - `contract.registered` (its stream, `contract-<id>`): the trainee's
///   name, birthDate, email;
/// - `exam.registered` (`contract-<contractId>`): traineeName;
/// - `reminder.sent`, `reminder.escalated` (`contract-<contractId>`, without
///   one `account-<recipientAccountId>`): recipientEmail, each of ccEmails;
/// - `document.issued` with a contract (`contract-<contractId>`): title,
///   body;
/// - `report.drafted`, `report.edited` (`contract-<contractId>`): each
///   entry's text, then each absence's note; `report.submitted`: the
///   approver's e-mail (part of the record, kept as long as the contract's
///   data); `report.approved`: comment; `report.rejected`: remarks.
///   Record events after `report.drafted` name their contract since log
///   format 2; earlier ones carry none and stay as they were stored.
///
/// Erasing events: `account.erased` destroys `account-<id>` (its stream),
/// `contract.personal_data_erased` destroys `contract-<id>` (its stream),
/// `company.person_erased` the trainer's or representative's subject.
///
/// Pure: no crypto here (infra seals and unseals).

#include "portal/schema/events.capnp.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace portal::events {

/// One subject's personal fields of an event, in their fixed order.
struct personal_group
{
    std::string subject;
    std::vector<std::string> values;
};

/// The personal data of an event of `stream`, grouped by subject; empty for
/// the many events that carry none. A group's values may all be empty.
std::vector<personal_group> personal_data(std::string_view stream, schema::Event::Reader event);

/// Sets the personal fields of `subject` in `event` to `values` in the order
/// of `personal_data` (missing values set empty, extra ones ignored); an
/// empty `values` clears them. Lists keep their length.
void set_personal_data(std::string_view stream,
                       schema::Event::Builder event,
                       std::string_view subject,
                       std::span<const std::string> values);

/// `company-<id>/trainer-<trainerId>`: a trainer of the company stream.
std::string trainer_subject(std::string_view company_stream, std::string_view trainer_id);

/// `company-<id>/representative-<representativeId>`.
std::string representative_subject(std::string_view company_stream,
                                   std::string_view representative_id);

/// The subject whose key the event destroys, if it is an erasing event.
std::optional<std::string> erased_subject(std::string_view stream, schema::Event::Reader event);

} // namespace portal::events
