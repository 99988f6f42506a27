#include "document/document.hpp"

#include <string>

namespace portal::domain::document {

namespace {

bool
is_staff(const context& ctx) noexcept
{
    return ctx.actor.acting_as == role::staff || ctx.actor.acting_as == role::system;
}

bool
valid_kind(schema::DocumentKind k) noexcept
{
    switch (k) {
        case schema::DocumentKind::REGISTRATION_CONFIRMATION:
        case schema::DocumentKind::ADMISSION_NOTICE:
        case schema::DocumentKind::RESULT_NOTICE:
        case schema::DocumentKind::OTHER:
            return true;
    }
    return false;
}

/// `YYYY-MM-DD` as `TT.MM.JJJJ`; text that is no date stays as given.
std::string
german_date(std::string_view text)
{
    auto d = parse_date(trim(text));
    if (!d) {
        return std::string(text);
    }
    auto two = [](unsigned v) {
        return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10);
    };
    // format_date gives YYYY-MM-DD; the year part is reused as it is.
    auto iso = format_date(*d);
    return two(static_cast<unsigned>(d->day())) + "." + two(static_cast<unsigned>(d->month())) +
           "." + iso.substr(0, iso.size() - 6);
}

} // namespace

std::string
stream_id(std::string_view document_id)
{
    return "document-" + std::string(document_id);
}

std::string
partition_key(std::string_view company_id)
{
    return "company-" + std::string(company_id);
}

decision
decide(const state& s, const issue& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return forbid("document.staff_only", "only chamber staff or the portal issue documents");
    }
    if (s.exists) {
        if (s.kind == c.kind && s.title == trim(c.title) && s.company_id == trim(c.company_id) &&
            s.contract_id == trim(c.contract_id) && s.body == c.body) {
            return no_events();
        }
        return reject("document.already_issued", "the document was already issued");
    }
    if (!valid_kind(c.kind)) {
        return invalid("validation.kind", "unknown document kind");
    }
    if (!valid_text(c.title, k_max_name)) {
        return invalid("validation.title", "the title is required (at most 200 bytes)");
    }
    if (trim(c.company_id).empty()) {
        return invalid("validation.company_id", "the company is required");
    }
    if (c.kind == schema::DocumentKind::REGISTRATION_CONFIRMATION && trim(c.contract_id).empty()) {
        return invalid("validation.contract_id", "a registration confirmation names its contract");
    }
    if (!valid_text(c.body, k_max_body)) {
        return invalid("validation.body", "the body is required (at most 100000 bytes)");
    }
    return one_event([&](schema::Event::Builder e) {
        auto d = e.initDocument().initIssued();
        d.setKind(c.kind);
        d.setTitle(std::string(trim(c.title)));
        d.setCompanyId(std::string(trim(c.company_id)));
        d.setContractId(std::string(trim(c.contract_id)));
        d.setBody(c.body);
    });
}

decision
decide(const state& s, const withdraw& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return forbid("document.staff_only", "only chamber staff or the portal withdraw documents");
    }
    if (!s.exists) {
        return missing("document.not_found", "the document does not exist");
    }
    if (s.withdrawn) {
        return no_events();
    }
    if (trim(c.reason).empty()) {
        return reject("document.reason_required", "withdrawing a document requires a reason");
    }
    if (!valid_text(c.reason, k_max_text)) {
        return invalid("validation.reason", "the reason is too long or not valid text");
    }
    return one_event([&](schema::Event::Builder e) {
        e.initDocument().initWithdrawn().setReason(std::string(trim(c.reason)));
    });
}

state
evolve(state s, schema::DocumentEvent::Reader event)
{
    switch (event.which()) {
        case schema::DocumentEvent::ISSUED: {
            auto d = event.getIssued();
            s.exists = true;
            s.kind = d.getKind();
            s.title = str(d.getTitle());
            s.company_id = str(d.getCompanyId());
            s.contract_id = str(d.getContractId());
            s.body = str(d.getBody());
            break;
        }
        case schema::DocumentEvent::WITHDRAWN:
            s.withdrawn = true;
            s.withdrawal_reason = str(event.getWithdrawn().getReason());
            break;
    }
    return s;
}

state
evolve(state s, schema::Event::Reader event)
{
    if (event.which() != schema::Event::DOCUMENT) {
        return s;
    }
    return evolve(std::move(s), event.getDocument());
}

state
fold(const std::vector<event_payload>& events)
{
    state s;
    for (const auto& e : events) {
        s = evolve(std::move(s), e.reader());
    }
    return s;
}

std::string
registration_confirmation_title(const confirmation_data& d)
{
    return "Eintragungsbestätigung " + std::string(trim(d.trainee_name));
}

std::string
render_registration_confirmation(const confirmation_data& d)
{
    std::string out;
    out += "Eintragungsbestätigung\n\n";
    out += "Das folgende Berufsausbildungsverhältnis ist in das Verzeichnis der "
           "Berufsausbildungsverhältnisse der Industrie- und Handelskammer "
           "eingetragen (§ 35 BBiG).\n\n";
    out += "Auszubildende/r: " + std::string(trim(d.trainee_name)) + "\n";
    if (!trim(d.trainee_birth_date).empty()) {
        out += "Geburtsdatum: " + german_date(d.trainee_birth_date) + "\n";
    }
    out += "Azubinummer: " + std::string(trim(d.trainee_number)) + "\n";
    out += "Ausbildungsberuf: " + std::string(trim(d.occupation)) + "\n";
    out += "Ausbildungsbetrieb: " + std::string(trim(d.company_name)) + "\n";
    out += "Ausbildungszeit: " + german_date(d.start) + " bis " + german_date(d.end) + "\n";
    if (!trim(d.contract_id).empty()) {
        out += "Vertragsnummer: " + std::string(trim(d.contract_id)) + "\n";
    }
    out += "\nDieses Schreiben wurde maschinell erstellt und ist ohne Unterschrift gültig.\n";
    return out;
}

} // namespace portal::domain::document
