#include "demo.hpp"

#include "app/accounts.hpp"
#include "app/policies.hpp"
#include "app/records.hpp"
#include "document/document.hpp"
#include "portal/infra/crypto.hpp"
#include "portal/infra/secrets.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ostream>

namespace portal::cli {

namespace {

using namespace std::chrono;
using domain::command_meta;
using domain::principal;
using events::role;

/// The password of every demo login (printed at the end).
constexpr const char* k_demo_password = "Portal-Demo-2026";

/// A demo person with a login.
struct login
{
    std::string role;
    std::string name;
    std::string email;
    std::string secret; ///< password or PIN
};

/// Seeds the demo through the application layer, command by command, with a
/// simulated clock: every command is decided at the time it would have
/// happened (`command_meta::now`), so the domain's rules apply as they would.
class seeder
{
  public:
    seeder(app::services services, std::string key, std::ostream& err)
      : services_(std::move(services))
      , key_(std::move(key))
      , err_(err)
    {
    }

    /// Runs one application function; false (with a message) on failure.
    template<class F>
    bool run(std::string_view what, F&& call)
    {
        result<domain::outcome> r = call();
        if (!r) {
            err_ << fmt::format(
              "portal demo: {} failed: {} ({})\n", what, r.error().message, r.error().code);
            return false;
        }
        ++commands_;
        return true;
    }

    command_meta as(principal p, timestamp now)
    {
        command_meta m;
        m.command_id = fmt::format("demo-{}", ++sequence_);
        m.actor = std::move(p);
        m.now = now;
        return m;
    }

    std::string new_id() { return infra::to_string(infra::uuid_v7(real_now())); }

    static timestamp real_now() { return time_point_cast<microseconds>(system_clock::now()); }

    /// Creates and activates an account; returns its id, empty on failure.
    std::string account(principal by,
                        timestamp now,
                        const std::string& email,
                        const std::string& name,
                        domain::account::account_role r,
                        const std::string& password_hash)
    {
        // The invitation token is derived from the command id, as the
        // process managers do: the mail in the outbox carries the same one.
        auto meta = as(by, now);
        auto token = derive_token(app::k_invitation_purpose, meta.command_id);
        domain::account::create c;
        c.email = email;
        c.name = name;
        c.role = std::move(r);
        c.invitation_token_hash = infra::token_hash(token);
        c.invitation_expires_at = now + days{ 14 };
        if (!run("create account " + email,
                 [&] { return app::create_account(services_, meta, c); })) {
            return {};
        }
        auto id = services_.account_id_of(email);
        domain::account::activate a{ infra::token_hash(token), password_hash };
        if (!run("activate " + email, [&] {
                return app::activate_account(
                  services_, as(principal{ id, c.role.kind, "" }, now + hours{ 2 }), id, a);
            })) {
            return {};
        }
        return id;
    }

    std::string derive_token(std::string_view purpose, std::string_view command_id) const
    {
        return infra::derive_token(key_, purpose, command_id);
    }
    std::string derive_pin(std::string_view command_id) const
    {
        return infra::derive_pin(key_, app::k_pin_purpose, command_id);
    }

    const app::services& services() const { return services_; }
    std::size_t commands() const { return commands_; }

  private:
    app::services services_;
    std::string key_;
    std::ostream& err_;
    std::uint64_t sequence_ = 0;
    std::size_t commands_ = 0;
};

/// A trainee of the demo.
struct trainee_plan
{
    std::string name;
    std::string email;
    std::string birth_date;
    int company = 0; ///< index into the companies
    int occupation = 0;
    int start_years_ago = 1;
};

const std::vector<std::string> k_occupations = {
    "Industriemechaniker/-in",
    "Fachinformatiker/-in Anwendungsentwicklung",
    "Mechatroniker/-in",
};

/// Weekly activities per occupation, rotated through the weeks.
const std::vector<std::vector<std::string>> k_activities = {
    { "Bauteile nach Zeichnung gefeilt, gebohrt und entgratet",
      "Drehmaschine eingerichtet und Wellen nach Toleranzangaben gedreht",
      "Wartung der Fräsmaschine nach Wartungsplan, Schmierstellen geprüft",
      "Pneumatische Steuerung nach Schaltplan aufgebaut und in Betrieb genommen",
      "Baugruppe montiert, Passungen geprüft und Montageprotokoll erstellt" },
    { "REST-Schnittstelle für die Auftragsverwaltung entworfen und getestet",
      "Fehleranalyse im Kundenportal, Unit-Tests ergänzt",
      "Datenbankabfragen optimiert und Indizes geplant",
      "Code-Review im Team, Refactoring einer Altkomponente",
      "Anforderungsgespräch mit dem Fachbereich dokumentiert" },
    { "Sensorik einer Förderanlage verdrahtet und geprüft",
      "SPS-Programm erweitert und an der Anlage getestet",
      "Fehlersuche an einem Antrieb mit dem Messgerät",
      "Elektrische Sicherheitsprüfung nach DGUV V3 begleitet",
      "Hydraulikaggregat gewartet und Druckprotokoll geführt" },
};

const std::vector<std::string> k_school_topics = {
    "Lernfeld: Technische Kommunikation, Zeichnungen lesen",
    "Lernfeld: Fertigen mit Werkzeugmaschinen",
    "Deutsch, Wirtschafts- und Sozialkunde",
    "Lernfeld: Software entwickeln und bereitstellen",
    "Englisch: technische Dokumentation",
};

} // namespace

int
run_demo(const app::services& services,
         const demo_options& options,
         std::ostream& out,
         std::ostream& err)
{
    seeder s(services, options.key, err);
    auto password = infra::hash_password(k_demo_password, infra::password_cost::minimum());
    if (!password) {
        err << "portal demo: " << password.error().message << "\n";
        return 1;
    }
    const auto& pw = *password;
    std::vector<login> logins;

    auto today = day_of(seeder::real_now());
    auto at = [](date d, int hour) { return timestamp{ sys_days{ d } + hours{ hour } }; };
    // The story starts two years ago.
    auto origin = sys_days{ today } - days{ 2 * 365 + 120 };
    auto t0 = timestamp{ origin + hours{ 9 } };

    // Chamber staff, auditor.
    principal bootstrap{ "operator", role::staff, "" };
    auto staff_id = s.account(
      bootstrap, t0, "sachbearbeitung@ihk-demo.de", "Sabine Sachs", { role::staff, "", "" }, pw);
    if (staff_id.empty()) {
        return 1;
    }
    logins.push_back({ "staff",
                       "Sabine Sachs (IHK-Sachbearbeitung)",
                       "sachbearbeitung@ihk-demo.de",
                       k_demo_password });
    principal staff{ staff_id, role::staff, "" };
    if (s.account(staff, t0, "revision@ihk-demo.de", "Rolf Revision", { role::auditor, "", "" }, pw)
          .empty()) {
        return 1;
    }
    logins.push_back({ "auditor", "Rolf Revision", "revision@ihk-demo.de", k_demo_password });

    // Companies: a central office with a branch, and one more.
    struct company_plan
    {
        std::string name, member, email, street, zip, town;
        int central = -1;
    };
    std::vector<company_plan> plans = {
        { "Muster Maschinenbau GmbH",
          "10001",
          "ausbildung@muster-maschinenbau.de",
          "Industriestraße 12",
          "86153",
          "Augsburg" },
        { "Muster Maschinenbau GmbH Werk Gersthofen",
          "10002",
          "gersthofen@muster-maschinenbau.de",
          "Am Lech 3",
          "86368",
          "Gersthofen",
          0 },
        { "Datenwerk IT-Service GmbH",
          "20001",
          "personal@datenwerk-it.de",
          "Leopoldstraße 88",
          "80802",
          "München" },
    };
    std::vector<std::string> company_ids;
    std::vector<principal> company_actors;
    for (const auto& p : plans) {
        domain::company::register_company c;
        c.name = p.name;
        c.member_number = p.member;
        c.email = p.email;
        c.address = { p.street, p.zip, p.town };
        if (p.central >= 0) {
            c.central_company_id = company_ids[static_cast<std::size_t>(p.central)];
        }
        if (!s.run("register company " + p.name,
                   [&] { return app::register_company(services, s.as(staff, t0), c); })) {
            return 1;
        }
        auto id = app::company_id_for(p.member);
        company_ids.push_back(id);
        if (p.central >= 0) {
            domain::company::attach_branch a{ id };
            if (!s.run("attach branch", [&] {
                    return app::attach_branch(services,
                                              s.as(staff, t0),
                                              company_ids[static_cast<std::size_t>(p.central)],
                                              a);
                })) {
                return 1;
            }
        }
        auto company_account = s.account(principal{ "", role::system, "" },
                                         t0 + hours{ 1 },
                                         p.email,
                                         p.name,
                                         { role::company, id, "" },
                                         pw);
        if (company_account.empty() || !s.run("link company account", [&] {
                return app::link_company_account(
                  services, s.as(principal{ "", role::system, "" }, t0), id, { company_account });
            })) {
            return 1;
        }
        logins.push_back({ "company", p.name, p.email, k_demo_password });
        principal as_company{ company_account, role::company, id };
        company_actors.push_back(as_company);
        domain::company::change_record_settings settings{ "*", true, true };
        if (!s.run("record settings", [&] {
                return app::change_record_settings(services, s.as(as_company, t0), id, settings);
            })) {
            return 1;
        }
        if (p.central != 0 && !s.run("publication consent", [&] {
                return app::give_publication_consent(services, s.as(as_company, t0), id);
            })) {
            return 1;
        }
    }

    // Trainers with accounts.
    struct trainer_plan
    {
        std::string name, email;
        int company;
    };
    std::vector<trainer_plan> trainer_plans = {
        { "Thomas Berger", "t.berger@muster-maschinenbau.de", 0 },
        { "Petra Wagner", "p.wagner@muster-maschinenbau.de", 1 },
        { "Jana Köhler", "j.koehler@datenwerk-it.de", 2 },
    };
    std::vector<std::string> trainer_ids;
    std::vector<std::string> trainer_accounts;
    for (const auto& t : trainer_plans) {
        auto company = static_cast<std::size_t>(t.company);
        auto trainer_id = s.new_id();
        domain::company::register_trainer r{ trainer_id, t.name, t.email };
        if (!s.run("register trainer " + t.name, [&] {
                return app::register_trainer(
                  services, s.as(company_actors[company], t0), company_ids[company], r);
            })) {
            return 1;
        }
        auto account = s.account(company_actors[company],
                                 t0 + hours{ 1 },
                                 t.email,
                                 t.name,
                                 { role::trainer, company_ids[company], "" },
                                 pw);
        if (account.empty() || !s.run("link trainer account", [&] {
                return app::link_trainer_account(services,
                                                 s.as(company_actors[company], t0 + hours{ 3 }),
                                                 company_ids[company],
                                                 { trainer_id, account });
            })) {
            return 1;
        }
        trainer_ids.push_back(trainer_id);
        trainer_accounts.push_back(account);
        logins.push_back({ "trainer", t.name, t.email, k_demo_password });
    }

    // Trainees and their contracts.
    std::vector<trainee_plan> trainees = {
        { "Lena Hoffmann", "lena.hoffmann@demo-azubi.de", "2007-03-14", 0, 0, 1 },
        { "Jonas Becker", "jonas.becker@demo-azubi.de", "2006-11-02", 0, 2, 1 },
        { "Mia Schneider", "mia.schneider@demo-azubi.de", "2005-07-21", 0, 0, 2 },
        { "Elias Wolf", "elias.wolf@demo-azubi.de", "2008-09-30", 1, 0, 1 },
        { "Hannah Neumann", "hannah.neumann@demo-azubi.de", "2006-01-18", 1, 2, 2 },
        { "Noah Schwarz", "noah.schwarz@demo-azubi.de", "2004-05-05", 2, 1, 2 },
        { "Emma Zimmermann", "emma.zimmermann@demo-azubi.de", "2005-12-12", 2, 1, 1 },
        { "Paul Krüger", "paul.krueger@demo-azubi.de", "2003-08-08", 2, 1, 2 },
        { "Sophie Hartmann", "sophie.hartmann@demo-azubi.de", "2007-02-27", 0, 2, 1 },
        { "Ben Lange", "ben.lange@demo-azubi.de", "2006-06-16", 1, 0, 2 },
    };
    struct contract_info
    {
        std::string id;
        std::string account;
        int company;
        int occupation;
        date start;
        std::string trainee_email;
    };
    std::vector<contract_info> contracts;
    int number = 0;
    for (const auto& t : trainees) {
        auto company = static_cast<std::size_t>(t.company);
        auto start = year_month_day{ sys_days{ today } - days{ 365 * t.start_years_ago + 60 } };
        start = year_month_day{ start.year(), September, day{ 1 } };
        auto end = year_month_day{ start.year() + years{ 3 }, August, day{ 31 } };
        auto registered_at = at(year_month_day{ sys_days{ start } - days{ 30 } }, 10);
        domain::contract::register_contract c;
        c.company_id = company_ids[company];
        c.trainee = { t.name, t.birth_date, t.email };
        c.trainee_number = fmt::format("{}{:04}", static_cast<int>(start.year()), ++number);
        c.occupation = k_occupations[static_cast<std::size_t>(t.occupation)];
        c.start = format_date(start);
        c.end = format_date(end);
        c.record_form = schema::RecordForm::ELECTRONIC;
        c.trainer_ids = { trainer_ids[company] };
        auto contract_id = s.new_id();
        if (!s.run("register contract " + t.name, [&] {
                return app::register_contract(services, s.as(staff, registered_at), contract_id, c);
            })) {
            return 1;
        }
        domain::document::confirmation_data data{
            t.name,  t.birth_date, c.trainee_number,    c.occupation,
            c.start, c.end,        plans[company].name, contract_id
        };
        auto document_id = s.new_id();
        domain::document::issue doc{ schema::DocumentKind::REGISTRATION_CONFIRMATION,
                                     domain::document::registration_confirmation_title(data),
                                     company_ids[company],
                                     contract_id,
                                     domain::document::render_registration_confirmation(data) };
        if (!s.run("issue confirmation",
                   [&] {
                       return app::issue_document(
                         services,
                         s.as(principal{ "", role::system, "" }, registered_at),
                         document_id,
                         doc);
                   }) ||
            !s.run("confirmation issued", [&] {
                return app::issue_confirmation(
                  services,
                  s.as(principal{ "", role::system, "" }, registered_at),
                  contract_id,
                  { document_id });
            })) {
            return 1;
        }
        auto account = s.account(company_actors[company],
                                 registered_at + hours{ 1 },
                                 t.email,
                                 t.name,
                                 { role::trainee, company_ids[company], contract_id },
                                 pw);
        if (account.empty() || !s.run("link trainee account", [&] {
                return app::link_trainee_account(
                  services,
                  s.as(principal{ "", role::system, "" }, registered_at + hours{ 3 }),
                  contract_id,
                  { account });
            })) {
            return 1;
        }
        contracts.push_back(
          { contract_id, account, t.company, t.occupation, date{ start }, t.email });
        logins.push_back({ "trainee", t.name, t.email, k_demo_password });
    }

    // A year of weekly records in every state.
    auto last_week_monday =
      sys_days{ today } - days{ 7 } - days{ (weekday{ sys_days{ today } }.iso_encoding() - 1) };
    std::string supervisor_email = "meister.huber@muster-maschinenbau.de";
    for (std::size_t i = 0; i < contracts.size(); ++i) {
        const auto& c = contracts[i];
        auto company = static_cast<std::size_t>(c.company);
        principal trainee{ c.account, role::trainee, "" };
        principal trainer{ trainer_accounts[company], role::trainer, "" };
        auto first_monday =
          std::max(sys_days{ c.start } +
                     days{ (7 - (weekday{ sys_days{ c.start } }.iso_encoding() - 1)) % 7 },
                   last_week_monday - days{ 7 * (options.weeks - 1) });
        int week_index = 0;
        for (auto monday = first_monday; monday <= last_week_monday; monday += days{ 7 }) {
            auto weeks_ago = (last_week_monday - monday).count() / 7;
            ++week_index;
            // Some trainees have gaps: missing records.
            if (i % 4 == 3 && weeks_ago >= 2 && weeks_ago <= 3) {
                continue;
            }
            domain::report::draft d;
            d.contract_id = c.id;
            d.period.kind = schema::PeriodKind::WEEK;
            d.period.week = iso_week_of(date{ monday });
            auto occ = static_cast<std::size_t>(c.occupation);
            const auto& acts = k_activities[occ];
            d.entries.push_back({ schema::EntryKind::COMPANY,
                                  acts[static_cast<std::size_t>(week_index) % acts.size()],
                                  24 * 60,
                                  "",
                                  {} });
            d.entries.push_back({ schema::EntryKind::INSTRUCTION,
                                  "Unterweisung Arbeitssicherheit und Qualitätssicherung",
                                  2 * 60,
                                  "",
                                  {} });
            d.entries.push_back(
              { schema::EntryKind::SCHOOL,
                k_school_topics[static_cast<std::size_t>(week_index + c.occupation) %
                                k_school_topics.size()],
                12 * 60,
                "",
                {} });
            if (week_index % 9 == 0) {
                d.absences.push_back({ format_date(date{ monday + days{ 2 } }),
                                       schema::AbsenceKind::SICKNESS,
                                       0,
                                       "Arbeitsunfähigkeitsbescheinigung liegt vor" });
            }
            auto friday = at(date{ monday + days{ 4 } }, 15);
            if (!s.run("draft record",
                       [&] { return app::draft_report(services, s.as(trainee, friday), d); })) {
                return 1;
            }
            auto report_id = app::report_id_for(c.id, d.period);
            if (weeks_ago == 0 && i % 3 == 0) {
                continue; // a draft
            }
            bool to_supervisor = company == 0 && i % 2 == 1;
            std::string approver = to_supervisor ? supervisor_email : trainer_plans[company].email;
            if (!s.run("submit record", [&] {
                    return app::submit_report(
                      services, s.as(trainee, friday + hours{ 1 }), report_id, { approver });
                })) {
                return 1;
            }
            if (to_supervisor) {
                // The supervisor's PIN account on the first record sent to them.
                auto supervisor = services.account_id_of(supervisor_email);
                auto existing = app::load_account(services, supervisor);
                if (existing && !existing->state.exists) {
                    auto meta = s.as(principal{ "", role::system, "" }, friday + hours{ 1 });
                    auto pin = s.derive_pin(meta.command_id);
                    auto pin_hash = infra::hash_password(pin, infra::password_cost::minimum());
                    domain::account::create sc;
                    sc.email = supervisor_email;
                    sc.name = "Markus Huber";
                    sc.role = { role::supervisor, company_ids[company], "" };
                    sc.pin_hash = pin_hash ? *pin_hash : std::string{};
                    if (!s.run("supervisor account",
                               [&] { return app::create_account(services, meta, sc); })) {
                        return 1;
                    }
                    logins.push_back({ "supervisor (PIN)", sc.name, supervisor_email, pin });
                }
            }
            if (weeks_ago == 0) {
                continue; // waiting for a decision
            }
            principal approver_actor =
              to_supervisor
                ? principal{ services.account_id_of(supervisor_email), role::supervisor, "" }
                : trainer;
            auto monday_after = at(date{ monday + days{ 7 } }, 9);
            if (weeks_ago == 1 && i % 3 == 1) {
                if (!s.run("reject record", [&] {
                        return app::reject_report(services,
                                                  s.as(approver_actor, monday_after),
                                                  report_id,
                                                  { "Bitte die Tätigkeiten am Mittwoch genauer "
                                                    "beschreiben und die Stunden prüfen." });
                    })) {
                    return 1;
                }
                continue; // rejected, waiting for the trainee
            }
            if (!s.run("approve record", [&] {
                    return app::approve_report(
                      services, s.as(approver_actor, monday_after), report_id, { "", false });
                })) {
                return 1;
            }
        }
    }

    // Exams: a past intermediate exam with published results, an upcoming
    // final exam with registrations.
    auto exam_id = s.new_id();
    auto exam_day = sys_days{ today } - days{ 75 };
    domain::exam::schedule past{ k_occupations[0],
                                 schema::ExamType::INTERMEDIATE,
                                 format_date(date{ exam_day }),
                                 "IHK-Prüfungszentrum Augsburg",
                                 "Zwischenprüfung Frühjahr",
                                 "" };
    if (!s.run("schedule exam", [&] {
            return app::schedule_exam(
              services, s.as(staff, timestamp{ exam_day - days{ 90 } }), exam_id, past);
        })) {
        return 1;
    }
    int points_seed = 0;
    for (std::size_t i = 0; i < contracts.size(); ++i) {
        const auto& c = contracts[i];
        if (c.occupation != 0) {
            continue;
        }
        auto company = static_cast<std::size_t>(c.company);
        auto reg = s.new_id();
        auto before = timestamp{ exam_day - days{ 60 } };
        if (!s.run("register for exam",
                   [&] {
                       return app::register_for_exam(
                         services, s.as(company_actors[company], before), exam_id, { reg, c.id });
                   }) ||
            !s.run("admit", [&] {
                return app::admit_to_exam(
                  services, s.as(staff, before + days{ 10 }), exam_id, { reg });
            })) {
            return 1;
        }
        domain::exam::record_result result{
            reg,
            { { "Arbeitsauftrag", static_cast<unsigned>(62 + (points_seed * 11) % 35) },
              { "Schriftliche Prüfung", static_cast<unsigned>(55 + (points_seed * 7) % 40) } },
            true
        };
        ++points_seed;
        if (!s.run("record result", [&] {
                return app::record_exam_result(
                  services, s.as(staff, timestamp{ exam_day + days{ 14 } }), exam_id, result);
            })) {
            return 1;
        }
    }
    if (!s.run("publish results", [&] {
            return app::publish_exam_results(
              services, s.as(staff, timestamp{ exam_day + days{ 21 } }), exam_id);
        })) {
        return 1;
    }
    auto final_id = s.new_id();
    auto final_day = sys_days{ today } + days{ 70 };
    domain::exam::schedule upcoming{ k_occupations[1],
                                     schema::ExamType::FINAL_PART2,
                                     format_date(date{ final_day }),
                                     "IHK-Bildungshaus München",
                                     "Abschlussprüfung Teil 2 Sommer",
                                     format_date(date{ sys_days{ today } + days{ 20 } }) };
    if (!s.run("schedule final exam", [&] {
            return app::schedule_exam(services,
                                      s.as(staff, timestamp{ sys_days{ today } - days{ 30 } }),
                                      final_id,
                                      upcoming);
        })) {
        return 1;
    }
    for (const auto& c : contracts) {
        if (c.occupation != 1) {
            continue;
        }
        auto company = static_cast<std::size_t>(c.company);
        if (!s.run("register for final exam", [&] {
                return app::register_for_exam(
                  services,
                  s.as(company_actors[company], timestamp{ sys_days{ today } - days{ 10 } }),
                  final_id,
                  { s.new_id(), c.id });
            })) {
            return 1;
        }
    }

    out << fmt::format("Demo data seeded: {} commands.\n\n", s.commands());
    out << fmt::format("{:<18} {:<42} {:<40} {}\n", "role", "name", "login", "password / PIN");
    for (const auto& l : logins) {
        out << fmt::format("{:<18} {:<42} {:<40} {}\n", l.role, l.name, l.email, l.secret);
    }
    return 0;
}

} // namespace portal::cli
