#pragma once

/// A document the chamber issues to a company and a trainee (e.g. the
/// registration confirmation, Eintragungsbestätigung). Stream `document-<id>`,
/// partition key `company-<companyId>`. Pure: see common/domain.hpp.
///
/// Error codes (class in brackets):
/// - `document.staff_only` (forbidden): only chamber staff or the system
///   issue and withdraw documents;
/// - `document.not_found` (not_found): withdrawing a document never issued;
/// - `document.already_issued` (rejected): the stream holds another
///   document (an identical repeat yields no events);
/// - `document.reason_required` (rejected): withdrawing without a reason;
/// - `validation.<field>` (invalid): kind, title, company_id, contract_id
///   (required for a registration confirmation), body, reason.

#include "common/domain.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace portal::domain::document {

/// The folded state of one document.
struct state
{
    bool exists = false;
    schema::DocumentKind kind = schema::DocumentKind::OTHER;
    std::string title;
    std::string company_id;
    std::string contract_id;
    std::string body;
    bool withdrawn = false;
    std::string withdrawal_reason;
};

/// Issues a document (staff or system); the id is the stream's.
struct issue
{
    schema::DocumentKind kind = schema::DocumentKind::OTHER;
    std::string title;
    std::string company_id;
    std::string contract_id; ///< required for a registration confirmation
    std::string body;
};

/// Withdraws an issued document; the reason is required.
struct withdraw
{
    std::string reason;
};

/// Facts for document decisions (none beyond the actor and the time).
struct context : context_base
{};

/// The contract data the registration confirmation shows.
struct confirmation_data
{
    std::string trainee_name;
    std::string trainee_birth_date; ///< YYYY-MM-DD
    std::string trainee_number;     ///< Azubinummer
    std::string occupation;
    std::string start; ///< YYYY-MM-DD
    std::string end;   ///< YYYY-MM-DD
    std::string company_name;
    std::string contract_id;
};

/// Longest document body accepted, in bytes.
inline constexpr std::size_t k_max_body = 100'000;

/// `document-<id>`.
std::string stream_id(std::string_view document_id);

/// `company-<companyId>`: documents live in their company's partition.
std::string partition_key(std::string_view company_id);

/// `document.issued`; an identical repeat yields no events.
decision decide(const state& s, const issue& c, const context& ctx);

/// `document.withdrawn`; a repeat on a withdrawn document yields no events.
decision decide(const state& s, const withdraw& c, const context& ctx);

/// Applies one document event (total over the union).
state evolve(state s, schema::DocumentEvent::Reader event);

/// Applies an event when it is a document event; otherwise unchanged.
state evolve(state s, schema::Event::Reader event);

/// Folds a list of events from the default state.
state fold(const std::vector<event_payload>& events);

/// The title of a registration confirmation.
std::string registration_confirmation_title(const confirmation_data& d);

/// The body text (German) of the registration confirmation: trainee, birth
/// date, trainee number, occupation, period in German date format
/// (TT.MM.JJJJ), training company. Dates that do not parse are shown as
/// given. Deterministic: the same data yields the same text.
std::string render_registration_confirmation(const confirmation_data& d);

} // namespace portal::domain::document
