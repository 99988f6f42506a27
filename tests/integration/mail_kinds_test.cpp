// Every mail the domain implies, delivered over SMTP to a real server
// (issue #7): aiosmtpd (tests/support/smtp_sink.py) as a child process, the
// portal in-process with `instance_options.smtp`, driven over the HTTP API.
// For each mail: the recipient, the German subject, the decoded UTF-8 body
// and the link with the configured public base URL. Invitation and password
// reset are in mail_delivery_test.cpp.

#include "app/records.hpp"
#include "gateway_training_world.hpp"
#include "smtp_sink.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace portal::testing {
namespace {

namespace json = boost::json;

constexpr const char* k_supervisor_email = "leitung@muster.example";
constexpr const char* k_trainee_name = "Mia Muster";

std::map<std::string, std::string>
min_position(const http_reply& write)
{
    return { { "Portal-Min-Position", write.str("position") } };
}

json::object
week(int w)
{
    return json::object{ { "kind", "week" }, { "year", 2026 }, { "week", w } };
}

class MailKinds : public ::testing::Test
{
  protected:
    temp_dir sink_root;
    unsigned short port = free_port();
    smtp_sink sink{ port, sink_root.path() / "in" };
    bool started = sink.start();
    training_world world{ smtp_options(port) };
    http_client& client = world.env.client();

    void SetUp() override { ASSERT_TRUE(started); }

    std::string report_id(int w)
    {
        domain::report::record_period p;
        p.kind = schema::PeriodKind::WEEK;
        p.week = iso_week{ 2026, static_cast<unsigned>(w) };
        return app::report_id_for(world.contract_id, p);
    }

    http_reply draft(int w)
    {
        return client.post(
          "/api/v1/contracts/" + world.contract_id + "/reports",
          json_text({ { "period", week(w) },
                      { "entries",
                        json::array{ json::object{ { "kind", "company" },
                                                   { "text", "Wellen gedreht, Maße geprüft" },
                                                   { "hours", 8 } } } },
                      { "absences", json::array{} } }),
          world.trainee);
    }

    http_reply submit(int w, const std::string& approver)
    {
        return client.post("/api/v1/reports/" + report_id(w) + "/submit",
                           json_text({ { "approverEmail", approver } }),
                           world.trainee);
    }

    /// Waits for the first message to `address` whose decoded subject is
    /// `subject` (a test failure and an empty message on timeout).
    received wait_for_subject(const std::string& address, const std::string& subject)
    {
        received found;
        bool ok = wait_until(
          [&] {
              for (const auto& m : sink.to(address)) {
                  if (m.subject() == subject) {
                      found = m;
                      return true;
                  }
              }
              return false;
          },
          std::chrono::seconds{ 30 });
        if (!ok) {
            std::string got;
            for (const auto& m : sink.to(address)) {
                got += "\n  " + m.subject();
            }
            ADD_FAILURE() << "no mail \"" << subject << "\" to " << address
                          << " over SMTP; received:" << got;
        }
        return found;
    }

    /// The number of messages to `address` with the decoded subject `subject`.
    std::size_t count(const std::string& address, const std::string& subject)
    {
        std::size_t n = 0;
        for (const auto& m : sink.to(address)) {
            n += m.subject() == subject ? 1 : 0;
        }
        return n;
    }
};

bool
contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

std::string
url(const std::string& path)
{
    return std::string(k_mail_public_url) + path;
}

TEST_F(MailKinds, SupervisorGetsThePinThatLogsInAndTheRecordToDecideOn)
{
    ASSERT_EQ(draft(47).status, 201U);
    auto submitted = submit(47, k_supervisor_email);
    ASSERT_EQ(submitted.status, 200U) << submitted.body;

    auto pin_mail = wait_for_subject(k_supervisor_email, "Ihr Zugang zum Ausbildungsportal");
    EXPECT_EQ(pin_mail.rcpt_tos, std::vector<std::string>{ k_supervisor_email });
    auto text = pin_mail.text();
    EXPECT_TRUE(contains(text, "Ausbildungsnachweis zur Freigabe gesendet")) << text;
    EXPECT_TRUE(contains(text, url("/pin-login"))) << text;
    std::smatch m;
    static const std::regex pin_re("PIN: ([0-9]+)");
    ASSERT_TRUE(std::regex_search(text, m, pin_re)) << text;
    auto pin = m[1].str();

    auto record = wait_for_subject(
      k_supervisor_email,
      fmt::format("Ausbildungsnachweis 2026-W47 von {} zur Freigabe", k_trainee_name));
    EXPECT_EQ(record.rcpt_tos, std::vector<std::string>{ k_supervisor_email });
    auto record_text = record.text();
    EXPECT_TRUE(contains(record_text,
                         fmt::format("{} hat Ihnen den Ausbildungsnachweis für 2026-W47 zur "
                                     "Prüfung und Freigabe gesendet.",
                                     k_trainee_name)))
      << record_text;
    EXPECT_TRUE(contains(record_text, url("/reports/" + report_id(47)))) << record_text;

    // The PIN of the mail signs in (a wrong one does not), and the record
    // of the link is there to decide on.
    auto wrong = client.post("/api/v1/session/pin",
                             json_text({ { "email", k_supervisor_email },
                                         { "pin", pin == "000000" ? "111111" : "000000" } }));
    EXPECT_EQ(wrong.status, 401U) << wrong.body;
    auto login = client.post("/api/v1/session/pin",
                             json_text({ { "email", k_supervisor_email }, { "pin", pin } }));
    ASSERT_EQ(login.status, 200U) << login.body;
    auto supervisor = login.str("token");
    auto read = client.get("/api/v1/reports/" + report_id(47), supervisor, min_position(submitted));
    EXPECT_EQ(read.status, 200U) << read.body;
    // One PIN for the supervisor, however many records.
    EXPECT_EQ(count(k_supervisor_email, "Ihr Zugang zum Ausbildungsportal"), 1U);
}

TEST_F(MailKinds, TrainerGetsTheSubmittedRecordAndTheTraineeTheRejectionAndApproval)
{
    ASSERT_EQ(draft(46).status, 201U);
    ASSERT_EQ(submit(46, training_world::k_trainer_email).status, 200U);
    auto to_trainer = wait_for_subject(
      training_world::k_trainer_email,
      fmt::format("Ausbildungsnachweis 2026-W46 von {} zur Freigabe", k_trainee_name));
    EXPECT_EQ(to_trainer.rcpt_tos, std::vector<std::string>{ training_world::k_trainer_email });
    EXPECT_TRUE(contains(to_trainer.text(), url("/reports/" + report_id(46)))) << to_trainer.text();

    const std::string remarks = "Bitte die Tätigkeiten genauer beschreiben: Maße und Prüfmittel.";
    auto rejected = client.post("/api/v1/reports/" + report_id(46) + "/reject",
                                json_text({ { "remarks", remarks } }),
                                world.trainer);
    ASSERT_EQ(rejected.status, 200U) << rejected.body;
    auto rejection =
      wait_for_subject(training_world::k_trainee_email, "Ausbildungsnachweis 2026-W46 abgelehnt");
    EXPECT_EQ(rejection.rcpt_tos, std::vector<std::string>{ training_world::k_trainee_email });
    auto text = rejection.text();
    EXPECT_TRUE(contains(text, fmt::format("Guten Tag {},", k_trainee_name))) << text;
    EXPECT_TRUE(contains(text, "Ihr Ausbildungsnachweis für 2026-W46 wurde abgelehnt.")) << text;
    EXPECT_TRUE(contains(text, "Bemerkungen des Ausbilders: " + remarks)) << text;
    EXPECT_TRUE(contains(text, url("/reports/" + report_id(46)))) << text;
    EXPECT_EQ(count(training_world::k_trainee_email, "Ausbildungsnachweis 2026-W46 freigegeben"),
              0U);

    ASSERT_EQ(submit(46, training_world::k_trainer_email).status, 200U);
    auto approved = client.post("/api/v1/reports/" + report_id(46) + "/approve",
                                json_text({ { "comment", "Jetzt vollständig – gut gemacht!" } }),
                                world.trainer);
    ASSERT_EQ(approved.status, 200U) << approved.body;
    auto approval =
      wait_for_subject(training_world::k_trainee_email, "Ausbildungsnachweis 2026-W46 freigegeben");
    EXPECT_EQ(approval.rcpt_tos, std::vector<std::string>{ training_world::k_trainee_email });
    auto approval_text = approval.text();
    EXPECT_TRUE(contains(approval_text, "Ihr Ausbildungsnachweis für 2026-W46 wurde freigegeben."))
      << approval_text;
    EXPECT_TRUE(contains(approval_text, "Kommentar: Jetzt vollständig – gut gemacht!"))
      << approval_text;
    EXPECT_TRUE(contains(approval_text, url("/reports/" + report_id(46)))) << approval_text;
    // The second submission reached the trainer a second time.
    EXPECT_EQ(
      count(training_world::k_trainer_email,
            fmt::format("Ausbildungsnachweis 2026-W46 von {} zur Freigabe", k_trainee_name)),
      2U);
}

TEST_F(MailKinds, EmployeeRepresentativeApprovedByStaffGetsAccessData)
{
    // The company signs in with the invitation it received over SMTP.
    auto company_invitation = sink.wait_for(training_world::k_company_email);
    auto company_token = link_token(company_invitation.text(), "/activate");
    ASSERT_FALSE(company_token.empty()) << company_invitation.text();
    auto activated = client.post(
      "/api/v1/accounts/activate",
      json_text({ { "token", company_token }, { "password", gateway_env::k_password } }));
    ASSERT_EQ(activated.status, 200U) << activated.body;
    auto company = world.env.login_token(training_world::k_company_email, gateway_env::k_password);

    const std::string email = "eva.jaeger@muster.example";
    auto requested =
      client.post("/api/v1/companies/" + world.company_id + "/representatives",
                  json_text({ { "name", "Eva Jäger" }, { "email", email }, { "employee", true } }),
                  company);
    ASSERT_EQ(requested.status, 201U) << requested.body;
    auto approved =
      client.post("/api/v1/representatives/" + requested.str("id") + "/approve", "", world.staff);
    ASSERT_EQ(approved.status, 200U) << approved.body;

    auto mail = wait_for_subject(email, "Ihre Vertretungsberechtigung wurde bestätigt");
    EXPECT_EQ(mail.rcpt_tos, std::vector<std::string>{ email });
    auto text = mail.text();
    EXPECT_TRUE(contains(text, "Guten Tag Eva Jäger,")) << text;
    EXPECT_TRUE(contains(text, "Ihre Zugangsdaten")) << text;
    EXPECT_TRUE(contains(text, url("/login"))) << text;

    // The access data: an activation link that works against the API.
    std::string token;
    ASSERT_TRUE(wait_until(
      [&] {
          for (const auto& m : sink.to(email)) {
              token = link_token(m.text(), "/activate");
              if (!token.empty()) {
                  return true;
              }
          }
          return false;
      },
      std::chrono::seconds{ 30 }))
      << "no activation link for the representative over SMTP";
    auto set = client.post("/api/v1/accounts/activate",
                           json_text({ { "token", token }, { "password", "Vertretung-2026!" } }));
    ASSERT_EQ(set.status, 200U) << set.body;
    auto representative = world.env.login_token(email, "Vertretung-2026!");
    ASSERT_FALSE(representative.empty());
    EXPECT_EQ(
      client.get("/api/v1/companies/" + world.company_id + "/dashboard", representative).status,
      200U);
}

TEST_F(MailKinds, TraineeIsToldWhenExamResultsArePublished)
{
    auto created = client.post("/api/v1/exams",
                               json_text({ { "occupation", training_world::k_occupation },
                                           { "type", "intermediate" },
                                           { "date", "2027-03-15" },
                                           { "location", "IHK-Prüfungszentrum Augsburg" },
                                           { "name", "Zwischenprüfung Frühjahr 2027" } }),
                               world.staff);
    ASSERT_EQ(created.status, 201U) << created.body;
    auto exam_id = created.str("id");
    auto registered = client.post("/api/v1/exams/" + exam_id + "/registrations",
                                  json_text({ { "contractId", world.contract_id } }),
                                  world.staff);
    ASSERT_EQ(registered.status, 201U) << registered.body;
    auto reg_id = registered.str("id");
    auto admitted =
      client.post("/api/v1/exams/" + exam_id + "/registrations/" + reg_id + "/admission",
                  json_text({ { "admitted", true } }),
                  world.staff);
    ASSERT_EQ(admitted.status, 200U) << admitted.body;
    world.env.set_now(*parse_rfc3339("2027-03-20T09:00:00Z"));
    auto staff = world.env.staff_token(training_world::k_staff_email);
    auto recorded = client.put(
      "/api/v1/exams/" + exam_id + "/registrations/" + reg_id + "/result",
      json_text({ { "parts",
                    json::array{ json::object{ { "name", "Arbeitsauftrag" }, { "points", 85 } } } },
                  { "final", true } }),
      staff);
    ASSERT_EQ(recorded.status, 200U) << recorded.body;
    const std::string subject = "Ihre Prüfungsergebnisse: Zwischenprüfung Frühjahr 2027";
    EXPECT_EQ(count(training_world::k_trainee_email, subject), 0U);

    auto published = client.post("/api/v1/exams/" + exam_id + "/publish", "{}", staff);
    ASSERT_EQ(published.status, 200U) << published.body;
    auto mail = wait_for_subject(training_world::k_trainee_email, subject);
    EXPECT_EQ(mail.rcpt_tos, std::vector<std::string>{ training_world::k_trainee_email });
    auto text = mail.text();
    EXPECT_TRUE(contains(text, fmt::format("Guten Tag {},", k_trainee_name))) << text;
    EXPECT_TRUE(contains(text,
                         "die Ergebnisse der Prüfung Zwischenprüfung Frühjahr 2027 vom "
                         "2027-03-15 sind veröffentlicht."))
      << text;
    EXPECT_TRUE(contains(text, url("/exams"))) << text;
}

TEST_F(MailKinds, TrainerIsToldWhenAProposalsStatusChanges)
{
    auto exam = client.post("/api/v1/exams",
                            json_text({ { "occupation", training_world::k_occupation },
                                        { "type", "final_part2" },
                                        { "date", "2027-05-20" },
                                        { "location", "IHK-Bildungshaus" },
                                        { "proposalDeadline", "2027-01-15" } }),
                            world.staff);
    ASSERT_EQ(exam.status, 201U) << exam.body;
    auto exam_id = exam.str("id");
    auto registered = client.post("/api/v1/exams/" + exam_id + "/registrations",
                                  json_text({ { "contractId", world.contract_id } }),
                                  world.staff);
    ASSERT_EQ(registered.status, 201U) << registered.body;
    const std::string examiner_email = "pruefer@schule.example";
    auto appointed = client.post("/api/v1/examiners",
                                 json_text({ { "email", examiner_email },
                                             { "name", "Petra Prüfer" },
                                             { "committee", "PA Industriemechanik 1" },
                                             { "occupation", training_world::k_occupation },
                                             { "memberRole", "teacher" },
                                             { "termEnd", "2030-12-31" } }),
                                 world.staff);
    ASSERT_EQ(appointed.status, 201U) << appointed.body;
    auto invitation = sink.wait_for(examiner_email);
    auto token = link_token(invitation.text(), "/activate");
    ASSERT_FALSE(token.empty()) << invitation.text();
    ASSERT_EQ(client
                .post("/api/v1/accounts/activate",
                      json_text({ { "token", token }, { "password", gateway_env::k_password } }))
                .status,
              200U);
    auto examiner = world.env.login_token(examiner_email, gateway_env::k_password);
    auto assigned = client.post("/api/v1/examiners/" + appointed.str("accountId") + "/assignments",
                                json_text({ { "examId", exam_id } }),
                                world.staff);
    ASSERT_EQ(assigned.status, 201U) << assigned.body;

    const std::string title = "Optimierung einer Spannvorrichtung für Drehteile";
    auto submitted = client.post(
      "/api/v1/proposals",
      json_text({ { "contractId", world.contract_id },
                  { "examId", exam_id },
                  { "title", title },
                  { "phases",
                    json::array{ json::object{ { "name", "Planung" }, { "hours", 8 } },
                                 json::object{ { "name", "Durchführung" }, { "hours", 20 } } } },
                  { "description", "Eine Spannvorrichtung wird neu konstruiert." } }),
      world.trainee);
    ASSERT_EQ(submitted.status, 201U) << submitted.body;
    auto id = submitted.str("id");
    auto first = wait_for_subject(training_world::k_trainer_email,
                                  "Projektantrag \"" + title + "\": eingereicht");
    EXPECT_TRUE(contains(first.text(), url("/proposals/" + id))) << first.text();

    auto decided = client.post(
      "/api/v1/proposals/" + id + "/decision",
      json_text({ { "outcome", "changes_required" }, { "remarks", "Bitte genauer gliedern." } }),
      examiner);
    ASSERT_EQ(decided.status, 200U) << decided.body;
    auto mail = wait_for_subject(training_world::k_trainer_email,
                                 "Projektantrag \"" + title + "\": Überarbeitung erforderlich");
    EXPECT_EQ(mail.rcpt_tos, std::vector<std::string>{ training_world::k_trainer_email });
    auto text = mail.text();
    EXPECT_TRUE(contains(text, "Guten Tag Thomas Berger,")) << text;
    EXPECT_TRUE(contains(text,
                         fmt::format("der Projektantrag \"{}\" von {} hat einen neuen Status: "
                                     "Überarbeitung erforderlich.",
                                     title,
                                     k_trainee_name)))
      << text;
    EXPECT_TRUE(contains(text, url("/proposals/" + id))) << text;
}

TEST_F(MailKinds, StaffRunOfRemindersMailsTheTraineeTheMissingWeeksOnce)
{
    auto body = json_text({ { "date", "2026-11-28" } });
    auto run = client.post("/api/v1/reminders/run", body, world.staff);
    ASSERT_EQ(run.status, 200U) << run.body;
    EXPECT_EQ(run.json().at("contracts").as_int64(), 1);
    EXPECT_GE(run.json().at("events").as_int64(), 1);

    auto mail =
      wait_for_subject(training_world::k_trainee_email, "Erinnerung: Ausbildungsnachweise");
    EXPECT_EQ(mail.rcpt_tos, std::vector<std::string>{ training_world::k_trainee_email });
    auto text = mail.text();
    EXPECT_TRUE(contains(text, "für folgende Zeiträume fehlen Ausbildungsnachweise:")) << text;
    for (auto w : { "2026-W45", "2026-W46", "2026-W47" }) {
        EXPECT_TRUE(contains(text, std::string("- ") + w)) << w << " missing in " << text;
    }
    EXPECT_TRUE(contains(text, url("/login"))) << text;

    // The same day again: nothing new, so no second mail.
    auto again = client.post("/api/v1/reminders/run", body, world.staff);
    ASSERT_EQ(again.status, 200U) << again.body;
    EXPECT_EQ(again.json().at("events").as_int64(), 0);
    ASSERT_TRUE(wait_until([&] {
        return client.get("/api/v1/mail/deliveries?status=pending", world.staff)
          .json()
          .at("items")
          .as_array()
          .empty();
    }));
    EXPECT_EQ(count(training_world::k_trainee_email, "Erinnerung: Ausbildungsnachweise"), 1U);
}

} // namespace
} // namespace portal::testing
