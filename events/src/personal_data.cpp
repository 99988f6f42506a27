#include "portal/events/personal_data.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace portal::events {
namespace {

template<class T>
std::string
text(T t)
{
    return std::string(reinterpret_cast<const char*>(t.begin()), t.size());
}

/// Calls `field(subject, object, get, set)` for every personal field of `e`
/// (a reader or a builder of the same event), in the order of the storage
/// format: `get(object)` gives the text, `set(object, text)` (only called on
/// builders) sets it.
template<class Ev, class F>
void
visit(std::string_view stream, Ev e, F&& field)
{
    switch (e.which()) {
        case schema::Event::ACCOUNT: {
            auto a = e.getAccount();
            if (a.which() == schema::AccountEvent::CREATED) {
                auto c = a.getCreated();
                std::string s(stream);
                field(
                  s,
                  c,
                  [](auto& o) { return o.getEmail(); },
                  [](auto& o, auto v) { o.setEmail(v); });
                field(
                  s, c, [](auto& o) { return o.getName(); }, [](auto& o, auto v) { o.setName(v); });
            }
            return;
        }
        case schema::Event::COMPANY: {
            auto c = e.getCompany();
            auto name = [](auto& o) { return o.getName(); };
            auto set_name = [](auto& o, auto v) { o.setName(v); };
            auto email = [](auto& o) { return o.getEmail(); };
            auto set_email = [](auto& o, auto v) { o.setEmail(v); };
            switch (c.which()) {
                case schema::CompanyEvent::TRAINER_REGISTERED: {
                    auto t = c.getTrainerRegistered();
                    auto s = trainer_subject(stream, text(t.getTrainerId()));
                    field(s, t, name, set_name);
                    field(s, t, email, set_email);
                    return;
                }
                case schema::CompanyEvent::REPRESENTATIVE_APPOINTED: {
                    auto r = c.getRepresentativeAppointed();
                    field(representative_subject(stream, text(r.getRepresentativeId())),
                          r,
                          name,
                          set_name);
                    return;
                }
                case schema::CompanyEvent::EMPLOYEE_REPRESENTATIVE_REQUESTED: {
                    auto r = c.getEmployeeRepresentativeRequested();
                    auto s = representative_subject(stream, text(r.getRepresentativeId()));
                    field(s, r, name, set_name);
                    field(s, r, email, set_email);
                    return;
                }
                default:
                    return;
            }
        }
        case schema::Event::CONTRACT: {
            auto c = e.getContract();
            if (c.which() == schema::ContractEvent::REGISTERED) {
                auto t = c.getRegistered().getTrainee();
                std::string s(stream);
                field(
                  s, t, [](auto& o) { return o.getName(); }, [](auto& o, auto v) { o.setName(v); });
                field(
                  s,
                  t,
                  [](auto& o) { return o.getBirthDate(); },
                  [](auto& o, auto v) { o.setBirthDate(v); });
                field(
                  s,
                  t,
                  [](auto& o) { return o.getEmail(); },
                  [](auto& o, auto v) { o.setEmail(v); });
            }
            return;
        }
        case schema::Event::EXAM: {
            auto x = e.getExam();
            if (x.which() == schema::ExamEvent::REGISTERED) {
                auto r = x.getRegistered();
                if (r.getContractId().size() == 0) {
                    return;
                }
                auto s = "contract-" + text(r.getContractId());
                field(
                  s,
                  r,
                  [](auto& o) { return o.getTraineeName(); },
                  [](auto& o, auto v) { o.setTraineeName(v); });
            }
            return;
        }
        case schema::Event::REMINDER: {
            auto r = e.getReminder();
            auto visit_sent = [&](auto m) {
                std::string s;
                if (m.getContractId().size() > 0) {
                    s = "contract-" + text(m.getContractId());
                } else if (m.getRecipientAccountId().size() > 0) {
                    s = "account-" + text(m.getRecipientAccountId());
                } else {
                    return;
                }
                field(
                  s,
                  m,
                  [](auto& o) { return o.getRecipientEmail(); },
                  [](auto& o, auto v) { o.setRecipientEmail(v); });
                auto cc = m.getCcEmails();
                for (unsigned i = 0; i < cc.size(); ++i) {
                    field(
                      s, cc, [i](auto& l) { return l[i]; }, [i](auto& l, auto v) { l.set(i, v); });
                }
            };
            if (r.which() == schema::ReminderEvent::SENT) {
                visit_sent(r.getSent());
            } else if (r.which() == schema::ReminderEvent::ESCALATED) {
                visit_sent(r.getEscalated());
            }
            return;
        }
        case schema::Event::REPORT: {
            auto r = e.getReport();
            auto subject = [](auto d) { return "contract-" + text(d.getContractId()); };
            auto content = [&](auto d) {
                if (d.getContractId().size() == 0) {
                    return; // recorded before record events named their contract
                }
                auto s = subject(d);
                auto entries = d.getEntries();
                for (unsigned i = 0; i < entries.size(); ++i) {
                    field(
                      s,
                      entries[i],
                      [](auto& o) { return o.getText(); },
                      [](auto& o, auto v) { o.setText(v); });
                }
                auto absences = d.getAbsences();
                for (unsigned i = 0; i < absences.size(); ++i) {
                    field(
                      s,
                      absences[i],
                      [](auto& o) { return o.getNote(); },
                      [](auto& o, auto v) { o.setNote(v); });
                }
            };
            switch (r.which()) {
                case schema::ReportEvent::DRAFTED:
                    content(r.getDrafted());
                    return;
                case schema::ReportEvent::EDITED:
                    content(r.getEdited());
                    return;
                case schema::ReportEvent::SUBMITTED:
                    if (auto d = r.getSubmitted(); d.getContractId().size() > 0) {
                        field(
                          subject(d),
                          d,
                          [](auto& o) { return o.getApproverEmail(); },
                          [](auto& o, auto v) { o.setApproverEmail(v); });
                    }
                    return;
                case schema::ReportEvent::APPROVED:
                    if (auto d = r.getApproved(); d.getContractId().size() > 0) {
                        field(
                          subject(d),
                          d,
                          [](auto& o) { return o.getComment(); },
                          [](auto& o, auto v) { o.setComment(v); });
                    }
                    return;
                case schema::ReportEvent::REJECTED:
                    if (auto d = r.getRejected(); d.getContractId().size() > 0) {
                        field(
                          subject(d),
                          d,
                          [](auto& o) { return o.getRemarks(); },
                          [](auto& o, auto v) { o.setRemarks(v); });
                    }
                    return;
                default:
                    return;
            }
        }
        case schema::Event::DOCUMENT: {
            auto d = e.getDocument();
            if (d.which() == schema::DocumentEvent::ISSUED) {
                auto i = d.getIssued();
                if (i.getContractId().size() == 0) {
                    return;
                }
                auto s = "contract-" + text(i.getContractId());
                field(
                  s,
                  i,
                  [](auto& o) { return o.getTitle(); },
                  [](auto& o, auto v) { o.setTitle(v); });
                field(
                  s, i, [](auto& o) { return o.getBody(); }, [](auto& o, auto v) { o.setBody(v); });
            }
            return;
        }
        default:
            return;
    }
}

} // namespace

std::string
trainer_subject(std::string_view company_stream, std::string_view trainer_id)
{
    return fmt::format("{}/trainer-{}", company_stream, trainer_id);
}

std::string
representative_subject(std::string_view company_stream, std::string_view representative_id)
{
    return fmt::format("{}/representative-{}", company_stream, representative_id);
}

std::vector<personal_group>
personal_data(std::string_view stream, schema::Event::Reader event)
{
    std::vector<personal_group> out;
    visit(stream, event, [&](const std::string& subject, auto object, auto get, auto /*set*/) {
        auto it = std::find_if(
          out.begin(), out.end(), [&](const personal_group& g) { return g.subject == subject; });
        if (it == out.end()) {
            out.push_back(personal_group{ subject, {} });
            it = out.end() - 1;
        }
        it->values.push_back(text(get(object)));
    });
    return out;
}

void
set_personal_data(std::string_view stream,
                  schema::Event::Builder event,
                  std::string_view subject,
                  std::span<const std::string> values)
{
    std::size_t i = 0;
    visit(stream, event, [&](const std::string& s, auto object, auto /*get*/, auto set) {
        if (s != subject) {
            return;
        }
        if (i < values.size()) {
            set(object, capnp::Text::Reader(values[i].data(), values[i].size()));
        } else {
            set(object, capnp::Text::Reader(""));
        }
        ++i;
    });
}

std::optional<std::string>
erased_subject(std::string_view stream, schema::Event::Reader event)
{
    if (event.which() == schema::Event::ACCOUNT &&
        event.getAccount().which() == schema::AccountEvent::ERASED) {
        return std::string(stream);
    }
    if (event.which() == schema::Event::CONTRACT &&
        event.getContract().which() == schema::ContractEvent::PERSONAL_DATA_ERASED) {
        return std::string(stream);
    }
    if (event.which() == schema::Event::COMPANY &&
        event.getCompany().which() == schema::CompanyEvent::PERSON_ERASED) {
        auto erased = event.getCompany().getPersonErased();
        if (erased.getTrainerId().size() > 0) {
            return trainer_subject(stream, text(erased.getTrainerId()));
        }
        if (erased.getRepresentativeId().size() > 0) {
            return representative_subject(stream, text(erased.getRepresentativeId()));
        }
    }
    return std::nullopt;
}

} // namespace portal::events
