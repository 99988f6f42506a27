// The examiners' routes over real sockets: appointments, assignments and
// their end (staff), the examiner's view, project proposals (trainee
// submits, examiner decides, trainer notified) and examiner seminars.
// Companies, contracts and exams are set up through the application layer.

#include "app/accounts.hpp"
#include "app/policies.hpp"
#include "app/records.hpp"
#include "gateway_env.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace portal::testing {
namespace {

using boost::json::array;
using boost::json::object;
using events::role;

constexpr const char* k_occupation = "Industriemechaniker/-in";
constexpr const char* k_trainee_email = "lena@azubi.example";
constexpr const char* k_trainer_email = "berger@firma.example";
constexpr const char* k_examiner_email = "pruefer@schule.example";

class GatewayExaminers : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        staff = env.staff_token();
        staff_id = svc().account_id_of("sachbearbeitung@ihk.example");
        set_up_contract();
    }

    const app::services& svc() { return env.portal().services(); }

    domain::command_meta as(role r, std::string account = {})
    {
        domain::command_meta m;
        m.command_id = "test-setup-" + std::to_string(++sequence);
        m.actor = domain::principal{ account.empty() ? staff_id : account, r, "" };
        m.now = env.now();
        return m;
    }

    template<class R>
    void ok(const R& r, std::string_view what)
    {
        ASSERT_TRUE(r.has_value()) << what << ": " << r.error().code << " " << r.error().message;
    }

    /// Creates an account with an invitation the mail writer renders.
    std::string invite(const std::string& email, domain::account::account_role r)
    {
        auto meta = as(role::staff);
        const auto& secrets = env.portal().api().secrets();
        domain::account::create c;
        c.email = email;
        c.name = email.substr(0, email.find('@'));
        c.role = std::move(r);
        c.invitation_token_hash =
          secrets.token_hash(secrets.token(app::k_invitation_purpose, meta.command_id));
        c.invitation_expires_at = env.now() + std::chrono::hours{ 72 };
        ok(app::create_account(svc(), meta, c), "create account " + email);
        return svc().account_id_of(email);
    }

    /// A company with a trainer, a running contract with a trainee account,
    /// and a final exam with a project (the contract registered for it).
    void set_up_contract()
    {
        domain::company::register_company co;
        co.name = "Muster Maschinenbau GmbH";
        co.member_number = "30001";
        co.email = "ausbildung@firma.example";
        co.address = { "Industriestraße 12", "86153", "Augsburg" };
        ok(app::register_company(svc(), as(role::staff), co), "company");
        company_id = app::company_id_for("30001");
        trainer_id = "trainer-1";
        ok(app::register_trainer(
             svc(), as(role::staff), company_id, { trainer_id, "Thomas Berger", k_trainer_email }),
           "trainer");
        domain::contract::register_contract c;
        c.company_id = company_id;
        c.trainee = { "Lena Hoffmann", "2006-03-14", k_trainee_email };
        c.trainee_number = "20240001";
        c.occupation = k_occupation;
        c.start = "2024-09-01";
        c.end = "2027-08-31";
        c.trainer_ids = { trainer_id };
        contract_id = "contract-1";
        ok(app::register_contract(svc(), as(role::staff), contract_id, c), "contract");
        trainee_id = invite(k_trainee_email, { role::trainee, company_id, contract_id });
        ok(app::link_trainee_account(svc(), as(role::staff), contract_id, { trainee_id }),
           "link trainee");
        domain::exam::schedule e{ k_occupation,       schema::ExamType::FINAL_PART2, "2027-05-20",
                                  "IHK-Bildungshaus", "Abschlussprüfung Teil 2",     "2027-01-15" };
        exam_id = "exam-1";
        ok(app::schedule_exam(svc(), as(role::staff), exam_id, e), "exam");
        ok(app::register_for_exam(svc(), as(role::staff), exam_id, { "reg-1", contract_id }),
           "exam registration");
    }

    /// Appoints (and invites) the examiner through the API and signs them
    /// in; assigns them to the exam.
    std::string examiner_token()
    {
        auto r = client.post("/api/v1/examiners",
                             json_text({ { "email", k_examiner_email },
                                         { "name", "Petra Prüfer" },
                                         { "committee", "PA Industriemechanik 1" },
                                         { "occupation", k_occupation },
                                         { "memberRole", "teacher" },
                                         { "termEnd", "2030-12-31" } }),
                             staff);
        EXPECT_EQ(r.status, 201U) << r.body;
        examiner_id = r.str("accountId");
        appointment_id = r.str("id");
        auto token = env.activate_and_login(k_examiner_email);
        auto assigned = client.post("/api/v1/examiners/" + examiner_id + "/assignments",
                                    json_text({ { "examId", exam_id } }),
                                    staff);
        EXPECT_EQ(assigned.status, 201U) << assigned.body;
        assigned_position = { { "Portal-Min-Position", assigned.str("position") } };
        return token;
    }

    std::string proposal_body(const std::string& title = "Optimierung einer Spannvorrichtung")
    {
        return json_text({ { "contractId", contract_id },
                           { "examId", exam_id },
                           { "title", title },
                           { "phases",
                             array{ object{ { "name", "Planung" }, { "hours", 8 } },
                                    object{ { "name", "Durchführung" }, { "hours", 20 } },
                                    object{ { "name", "Dokumentation" }, { "hours", 7 } } } },
                           { "description", "Eine Spannvorrichtung wird neu konstruiert." } });
    }

    /// Waits until a mail to `recipient` contains `text`.
    bool mail_containing(const std::string& recipient, const std::string& text)
    {
        return wait_until(
          [&] {
              for (const auto& m : env.mails_to(recipient)) {
                  if (m.find(text) != std::string::npos) {
                      return true;
                  }
              }
              return false;
          },
          std::chrono::seconds{ 20 });
    }

    gateway_env env;
    http_client& client = env.client();
    std::string staff;
    std::string staff_id;
    std::string company_id;
    std::string trainer_id;
    std::string contract_id;
    std::string trainee_id;
    std::string exam_id;
    std::string examiner_id;
    std::string appointment_id;
    /// Portal-Min-Position of the examiner's assignment (examiner_token()):
    /// reads by another session do not wait for it by themselves.
    std::map<std::string, std::string> assigned_position;
    int sequence = 0;
};

// --- appointments -------------------------------------------------------------

TEST_F(GatewayExaminers, StaffAppointAnExaminerByEmailWhoGetsAnInvitation)
{
    auto examiner = examiner_token();
    ASSERT_FALSE(examiner.empty());
    EXPECT_EQ(examiner_id, svc().account_id_of(k_examiner_email));
    auto me = client.get("/api/v1/me", examiner);
    ASSERT_EQ(me.status, 200U) << me.body;
    EXPECT_EQ(me.json().at("roles").at(0).at("role").as_string(), "examiner");
    auto view = client.get("/api/v1/me/examining", examiner, assigned_position);
    ASSERT_EQ(view.status, 200U) << view.body;
    auto committees = view.json().at("committees").as_array();
    ASSERT_EQ(committees.size(), 1U);
    EXPECT_EQ(committees[0].at("committee").as_string(), "PA Industriemechanik 1");
    EXPECT_EQ(committees[0].at("memberRole").as_string(), "teacher");
    EXPECT_EQ(committees[0].at("termStart").as_string(), "2026-11-28");
    EXPECT_EQ(committees[0].at("appointmentId").as_string(), appointment_id);
    auto exams = view.json().at("exams").as_array();
    ASSERT_EQ(exams.size(), 1U);
    EXPECT_EQ(exams[0].at("examId").as_string(), exam_id);
}

TEST_F(GatewayExaminers, AppointingAnExistingAccountGrantsTheExaminerRole)
{
    auto trainer_account = invite(k_trainer_email, { role::trainer, company_id, "" });
    auto trainer = env.activate_and_login(k_trainer_email);
    EXPECT_EQ(client.get("/api/v1/me/examining", trainer).code(), "auth.role");
    auto r = client.post("/api/v1/examiners",
                         json_text({ { "accountId", trainer_account },
                                     { "committee", "PA Industriemechanik 2" },
                                     { "occupation", k_occupation },
                                     { "memberRole", "employer" },
                                     { "termStart", "2026-12-01" },
                                     { "termEnd", "2031-11-30" } }),
                         staff);
    ASSERT_EQ(r.status, 201U) << r.body;
    EXPECT_FALSE(r.json().at("invited").as_bool());
    auto view =
      client.get("/api/v1/me/examining", trainer, { { "Portal-Min-Position", r.str("position") } });
    ASSERT_EQ(view.status, 200U) << view.body;
    EXPECT_EQ(view.json().at("committees").at(0).at("memberRole").as_string(), "employer");
}

TEST_F(GatewayExaminers, AppointmentErrors)
{
    auto body = [](object o) {
        object base{ { "email", "neu@pruefer.example" },
                     { "committee", "PA 1" },
                     { "occupation", k_occupation },
                     { "memberRole", "employee" },
                     { "termEnd", "2029-06-30" } };
        for (auto& [k, v] : o) {
            base[k] = v;
        }
        return json_text(base);
    };
    EXPECT_EQ(client.post("/api/v1/examiners", body({})).status, 401U);
    auto trainee = env.activate_and_login(k_trainee_email);
    auto denied = client.post("/api/v1/examiners", body({}), trainee);
    EXPECT_EQ(denied.status, 403U);
    EXPECT_EQ(denied.code(), "auth.role");

    auto bad = client.post("/api/v1/examiners",
                           json_text({ { "accountId", "x" },
                                       { "email", "a@b.example" },
                                       { "memberRole", "boss" },
                                       { "termEnd", "2029-02-30" },
                                       { "colour", "blue" } }),
                           staff);
    ASSERT_EQ(bad.status, 400U) << bad.body;
    EXPECT_EQ(bad.code(), "validation.field");
    for (const char* field :
         { "email", "committee", "occupation", "memberRole", "termEnd", "colour" }) {
        EXPECT_NE(bad.body.find(std::string("\"") + field + "\""), std::string::npos) << field;
    }
    auto neither = client.post("/api/v1/examiners",
                               json_text({ { "committee", "PA 1" },
                                           { "occupation", k_occupation },
                                           { "memberRole", "employee" },
                                           { "termEnd", "2029-06-30" } }),
                               staff);
    EXPECT_EQ(neither.status, 400U);
    EXPECT_NE(neither.body.find("\"accountId\""), std::string::npos) << neither.body;

    auto unknown = client.post("/api/v1/examiners",
                               json_text({ { "accountId", "no-such-account" },
                                           { "committee", "PA 1" },
                                           { "occupation", k_occupation },
                                           { "memberRole", "employee" },
                                           { "termEnd", "2029-06-30" } }),
                               staff);
    EXPECT_EQ(unknown.status, 404U);
    EXPECT_EQ(unknown.code(), "account.not_found");

    auto too_long = client.post("/api/v1/examiners", body({ { "termEnd", "2032-01-01" } }), staff);
    EXPECT_EQ(too_long.status, 400U);
    EXPECT_EQ(too_long.code(), "examiner.term_too_long");

    ASSERT_EQ(client.post("/api/v1/examiners", body({}), staff).status, 201U);
    auto overlap = client.post("/api/v1/examiners", body({ { "memberRole", "employer" } }), staff);
    EXPECT_EQ(overlap.status, 422U) << overlap.body;
    EXPECT_EQ(overlap.code(), "examiner.overlapping_appointment");
}

TEST_F(GatewayExaminers, StaffListTheExaminersWithNamesAppointmentsAndFilters)
{
    auto examiner = examiner_token();
    auto trainer_account = invite(k_trainer_email, { role::trainer, company_id, "" });
    auto second = client.post("/api/v1/examiners",
                              json_text({ { "accountId", trainer_account },
                                          { "committee", "PA Elektro 3" },
                                          { "occupation", "Elektroniker/-in" },
                                          { "memberRole", "employer" },
                                          { "termEnd", "2029-06-30" } }),
                              staff);
    ASSERT_EQ(second.status, 201U) << second.body;
    auto after =
      std::map<std::string, std::string>{ { "Portal-Min-Position", second.str("position") } };

    auto all = client.get("/api/v1/examiners", staff, after);
    ASSERT_EQ(all.status, 200U) << all.body;
    auto items = all.json().at("items").as_array();
    ASSERT_EQ(items.size(), 2U) << all.body;
    // Sorted by name: "Petra Prüfer" before "berger" (the invited trainer's name).
    EXPECT_EQ(items[0].at("accountId").as_string(), examiner_id);
    EXPECT_EQ(items[0].at("name").as_string(), "Petra Prüfer");
    EXPECT_EQ(items[0].at("email").as_string(), k_examiner_email);
    EXPECT_TRUE(items[0].at("current").as_bool());
    EXPECT_EQ(items[0].at("appointments").at(0).at("committee").as_string(),
              "PA Industriemechanik 1");
    EXPECT_EQ(items[0].at("appointments").at(0).at("examIds").at(0).as_string(), exam_id);
    EXPECT_EQ(items[1].at("accountId").as_string(), trainer_account);
    EXPECT_EQ(items[1].at("email").as_string(), k_trainer_email);

    auto by_occupation = client.get("/api/v1/examiners?occupation=Elektroniker%2F-in", staff);
    ASSERT_EQ(by_occupation.status, 200U) << by_occupation.body;
    ASSERT_EQ(by_occupation.json().at("items").as_array().size(), 1U);
    EXPECT_EQ(by_occupation.json().at("items").at(0).at("accountId").as_string(), trainer_account);
    auto by_committee =
      client.get("/api/v1/examiners?committee=PA%20Industriemechanik%201&current=true", staff);
    ASSERT_EQ(by_committee.json().at("items").as_array().size(), 1U) << by_committee.body;
    EXPECT_EQ(by_committee.json().at("items").at(0).at("accountId").as_string(), examiner_id);
    EXPECT_TRUE(client.get("/api/v1/examiners?committee=PA%209", staff)
                  .json()
                  .at("items")
                  .as_array()
                  .empty());
    auto page = client.get("/api/v1/examiners?limit=1", staff);
    ASSERT_EQ(page.json().at("items").as_array().size(), 1U) << page.body;
    EXPECT_FALSE(page.str("next").empty()) << page.body;

    EXPECT_EQ(client.get("/api/v1/examiners?current=maybe", staff).code(), "validation.current");
    EXPECT_EQ(client.get("/api/v1/examiners").status, 401U);
    EXPECT_EQ(client.get("/api/v1/examiners", examiner).code(), "auth.role");
    EXPECT_EQ(client.get("/api/v1/examiners", env.activate_and_login(k_trainee_email)).status,
              403U);
}

TEST_F(GatewayExaminers, AssignmentsUnassignmentAndTheEndOfAnAppointment)
{
    auto examiner = examiner_token();
    auto path = "/api/v1/examiners/" + examiner_id;
    // Errors of assigning.
    auto no_exam =
      client.post(path + "/assignments", json_text({ { "examId", "no-such-exam" } }), staff);
    EXPECT_EQ(no_exam.status, 404U);
    EXPECT_EQ(no_exam.code(), "examiner.exam_not_found");
    ok(app::schedule_exam(svc(),
                          as(role::staff),
                          "exam-other",
                          { "Elektroniker/-in",
                            schema::ExamType::INTERMEDIATE,
                            "2027-03-10",
                            "IHK",
                            "Zwischenprüfung",
                            "" }),
       "other exam");
    auto mismatch =
      client.post(path + "/assignments", json_text({ { "examId", "exam-other" } }), staff);
    EXPECT_EQ(mismatch.status, 422U);
    EXPECT_EQ(mismatch.code(), "examiner.occupation_mismatch");
    EXPECT_EQ(client.post(path + "/assignments", json_text({}), staff).code(), "validation.field");
    EXPECT_EQ(
      client.post(path + "/assignments", json_text({ { "examId", exam_id } }), examiner).status,
      403U);
    // Unassign, twice (the second changes nothing).
    auto removed = client.del(path + "/assignments/" + exam_id, staff);
    ASSERT_EQ(removed.status, 200U) << removed.body;
    EXPECT_EQ(client.del(path + "/assignments/" + exam_id, staff).status, 200U);
    EXPECT_EQ(client.del("/api/v1/examiners/nobody/assignments/" + exam_id, staff).status, 404U);
    auto view = client.get(
      "/api/v1/me/examining", examiner, { { "Portal-Min-Position", removed.str("position") } });
    ASSERT_EQ(view.status, 200U);
    EXPECT_TRUE(view.json().at("exams").as_array().empty()) << view.body;
    // End the appointment.
    auto before_start = client.post(path + "/end", json_text({ { "date", "2026-01-01" } }), staff);
    EXPECT_EQ(before_start.status, 400U);
    EXPECT_EQ(before_start.code(), "examiner.end_before_start");
    auto ended = client.post(path + "/end", json_text({ { "date", "2026-12-31" } }), staff);
    ASSERT_EQ(ended.status, 200U) << ended.body;
    EXPECT_EQ(ended.str("id"), appointment_id);
    auto again = client.post(path + "/end", json_text({ { "date", "2027-01-31" } }), staff);
    EXPECT_EQ(again.status, 422U);
    EXPECT_EQ(again.code(), "examiner.appointment_ended");
    view = client.get(
      "/api/v1/me/examining", examiner, { { "Portal-Min-Position", ended.str("position") } });
    EXPECT_EQ(view.json().at("committees").at(0).at("ended").as_string(), "2026-12-31");
    // After the end the exam date is outside the term.
    auto late = client.post(path + "/assignments", json_text({ { "examId", exam_id } }), staff);
    EXPECT_EQ(late.status, 422U);
    EXPECT_EQ(late.code(), "examiner.term_not_covering");
}

// --- proposals --------------------------------------------------------------------

TEST_F(GatewayExaminers, ProposalFlowWithChangesRequiredAndApproval)
{
    auto examiner = examiner_token();
    auto trainee = env.activate_and_login(k_trainee_email);
    auto submitted = client.post("/api/v1/proposals", proposal_body(), trainee);
    ASSERT_EQ(submitted.status, 201U) << submitted.body;
    auto id = submitted.str("id");
    EXPECT_TRUE(mail_containing(k_trainer_email, "eingereicht"));

    // The examiner sees it waiting for a decision.
    auto waiting = client.get(
      "/api/v1/me/proposals", examiner, { { "Portal-Min-Position", submitted.str("position") } });
    ASSERT_EQ(waiting.status, 200U) << waiting.body;
    auto items = waiting.json().at("items").as_array();
    ASSERT_EQ(items.size(), 1U);
    EXPECT_EQ(items[0].at("proposalId").as_string(), id);
    EXPECT_EQ(items[0].at("phases").as_array().size(), 3U);

    // Changes required needs remarks.
    auto no_remarks = client.post("/api/v1/proposals/" + id + "/decision",
                                  json_text({ { "outcome", "changes_required" } }),
                                  examiner);
    EXPECT_EQ(no_remarks.status, 400U);
    EXPECT_EQ(no_remarks.code(), "proposal.remarks_required");
    auto changes =
      client.post("/api/v1/proposals/" + id + "/decision",
                  json_text({ { "outcome", "changes_required" },
                              { "remarks", "Bitte die Phase Durchführung genauer gliedern." } }),
                  examiner);
    ASSERT_EQ(changes.status, 200U) << changes.body;
    EXPECT_TRUE(mail_containing(k_trainer_email, "erforderlich"));

    // The trainee sees the remarks and resubmits.
    auto mine = client.get(
      "/api/v1/me/proposals", trainee, { { "Portal-Min-Position", changes.str("position") } });
    ASSERT_EQ(mine.status, 200U) << mine.body;
    ASSERT_EQ(mine.json().at("items").as_array().size(), 1U);
    EXPECT_EQ(mine.json().at("items").at(0).at("status").as_string(), "changes_required");
    EXPECT_NE(mine.body.find("genauer gliedern"), std::string::npos);
    auto waiting_now = client.post(
      "/api/v1/proposals/" + id + "/decision", json_text({ { "outcome", "approved" } }), examiner);
    EXPECT_EQ(waiting_now.status, 422U);
    EXPECT_EQ(waiting_now.code(), "proposal.awaiting_resubmission");
    auto resubmitted = client.put(
      "/api/v1/proposals/" + id,
      json_text({ { "title", "Optimierung einer Spannvorrichtung" },
                  { "phases",
                    array{ object{ { "name", "Planung" }, { "hours", 8 } },
                           object{ { "name", "Konstruktion" }, { "hours", 10 } },
                           object{ { "name", "Fertigung und Test" }, { "minutes", 600 } },
                           object{ { "name", "Dokumentation" }, { "hours", 6.5 } } } },
                  { "description", "Eine Spannvorrichtung wird neu konstruiert." } }),
      trainee);
    ASSERT_EQ(resubmitted.status, 200U) << resubmitted.body;

    auto approved = client.post(
      "/api/v1/proposals/" + id + "/decision", json_text({ { "outcome", "approved" } }), examiner);
    ASSERT_EQ(approved.status, 200U) << approved.body;
    EXPECT_TRUE(mail_containing(k_trainer_email, "genehmigt"));
    auto shown = client.get(
      "/api/v1/proposals/" + id, trainee, { { "Portal-Min-Position", approved.str("position") } });
    ASSERT_EQ(shown.status, 200U) << shown.body;
    EXPECT_EQ(shown.str("status"), "approved");
    EXPECT_EQ(shown.json().at("revision").as_int64(), 2);
    EXPECT_EQ(shown.json().at("phases").as_array().size(), 4U);
    EXPECT_EQ(shown.json().at("phases").at(3).at("minutes").to_number<int>(), 390);
    EXPECT_EQ(shown.json().at("decisions").as_array().size(), 2U);

    // Decided: no other decision, no withdrawal.
    auto other = client.post("/api/v1/proposals/" + id + "/decision",
                             json_text({ { "outcome", "rejected" }, { "remarks", "doch nicht" } }),
                             examiner);
    EXPECT_EQ(other.status, 409U);
    EXPECT_EQ(other.code(), "proposal.already_decided");
    auto withdraw = client.post("/api/v1/proposals/" + id + "/withdraw", "{}", trainee);
    EXPECT_EQ(withdraw.status, 409U);
    // Nothing left to decide for the examiner.
    auto none = client.get("/api/v1/me/proposals", examiner);
    EXPECT_TRUE(none.json().at("items").as_array().empty()) << none.body;
}

TEST_F(GatewayExaminers, ProposalInputAndRoleErrors)
{
    auto trainee = env.activate_and_login(k_trainee_email);
    EXPECT_EQ(client.post("/api/v1/proposals", proposal_body()).status, 401U);
    auto by_staff = client.post("/api/v1/proposals", proposal_body(), staff);
    EXPECT_EQ(by_staff.status, 403U);
    EXPECT_EQ(by_staff.code(), "auth.role");
    auto bad = client.post(
      "/api/v1/proposals",
      json_text({ { "contractId", contract_id },
                  { "phases", array{ object{ { "name", "Planung" } }, object{ { "hours", 0 } } } },
                  { "companyConsent", "yes" } }),
      trainee);
    ASSERT_EQ(bad.status, 400U);
    for (const char* field : { "examId",
                               "title",
                               "description",
                               "phases[0].hours",
                               "phases[1].name",
                               "phases[1].hours",
                               "companyConsent" }) {
        EXPECT_NE(bad.body.find(std::string("\"") + field + "\""), std::string::npos)
          << field << " in " << bad.body;
    }
    auto no_contract =
      client.post("/api/v1/proposals",
                  json_text({ { "contractId", "no-such-contract" },
                              { "examId", exam_id },
                              { "title", "T" },
                              { "phases", array{ object{ { "name", "P" }, { "hours", 1 } } } },
                              { "description", "D" } }),
                  trainee);
    EXPECT_EQ(no_contract.status, 404U);
    EXPECT_EQ(no_contract.code(), "proposal.contract_not_found");
    auto too_long = client.post("/api/v1/proposals",
                                json_text({ { "contractId", contract_id },
                                            { "examId", exam_id },
                                            { "title", "T" },
                                            { "phases",
                                              array{ object{ { "name", "A" }, { "hours", 50 } },
                                                     object{ { "name", "B" }, { "hours", 40 } } } },
                                            { "description", "D" } }),
                                trainee);
    EXPECT_EQ(too_long.status, 400U);
    EXPECT_EQ(too_long.code(), "proposal.too_long");
    auto no_consent =
      client.post("/api/v1/proposals",
                  json_text({ { "contractId", contract_id },
                              { "examId", exam_id },
                              { "title", "T" },
                              { "phases", array{ object{ { "name", "P" }, { "hours", 1 } } } },
                              { "description", "D" },
                              { "companyConsent", false } }),
                  trainee);
    EXPECT_EQ(no_consent.status, 422U);
    EXPECT_EQ(no_consent.code(), "proposal.company_consent_required");
    // Past the deadline.
    env.set_now(timestamp{ std::chrono::sys_days{ std::chrono::year{ 2027 } / 1 / 16 } });
    trainee = env.login_token(k_trainee_email, gateway_env::k_password); // the session expired
    auto late = client.post("/api/v1/proposals", proposal_body(), trainee);
    EXPECT_EQ(late.status, 422U);
    EXPECT_EQ(late.code(), "proposal.deadline_passed");
}

TEST_F(GatewayExaminers, WhoMaySeeAndDecideAProposal)
{
    auto trainee = env.activate_and_login(k_trainee_email);
    auto submitted = client.post("/api/v1/proposals", proposal_body(), trainee);
    ASSERT_EQ(submitted.status, 201U) << submitted.body;
    auto id = submitted.str("id");
    auto path = "/api/v1/proposals/" + id;
    EXPECT_EQ(client.get(path).status, 401U);
    EXPECT_EQ(client.get("/api/v1/proposals/no-such-proposal", trainee).code(),
              "proposal.not_found");
    // The trainer of the contract sees it.
    auto trainer_account = invite(k_trainer_email, { role::trainer, company_id, "" });
    ok(app::link_trainer_account(
         svc(), as(role::staff), company_id, { trainer_id, trainer_account }),
       "link trainer");
    auto trainer = env.activate_and_login(k_trainer_email);
    auto by_trainer = client.get(path, trainer);
    ASSERT_EQ(by_trainer.status, 200U) << by_trainer.body;
    EXPECT_EQ(by_trainer.str("title"), "Optimierung einer Spannvorrichtung");
    // Staff and an examiner of another occupation do not.
    auto by_staff = client.get(path, staff);
    EXPECT_EQ(by_staff.status, 404U);
    EXPECT_EQ(by_staff.code(), "proposal.not_found");
    auto other = client.post("/api/v1/examiners",
                             json_text({ { "email", "elektro@pruefer.example" },
                                         { "committee", "PA Elektro" },
                                         { "occupation", "Elektroniker/-in" },
                                         { "memberRole", "employee" },
                                         { "termEnd", "2029-12-31" } }),
                             staff);
    ASSERT_EQ(other.status, 201U) << other.body;
    auto outsider = env.activate_and_login("elektro@pruefer.example");
    EXPECT_EQ(client.get(path, outsider).status, 404U);
    auto not_member =
      client.post(path + "/decision", json_text({ { "outcome", "approved" } }), outsider);
    EXPECT_EQ(not_member.status, 403U);
    EXPECT_EQ(not_member.code(), "proposal.not_committee_member");
    EXPECT_TRUE(client.get("/api/v1/me/proposals", outsider).json().at("items").as_array().empty());
    // An examiner of the occupation sees and may decide; a trainee may not.
    auto examiner = examiner_token();
    EXPECT_EQ(client.get(path, examiner, assigned_position).status, 200U);
    auto by_trainee =
      client.post(path + "/decision", json_text({ { "outcome", "approved" } }), trainee);
    EXPECT_EQ(by_trainee.status, 403U);
    EXPECT_EQ(by_trainee.code(), "auth.role");
    auto bad_outcome =
      client.post(path + "/decision", json_text({ { "outcome", "maybe" } }), examiner);
    EXPECT_EQ(bad_outcome.status, 400U);
    EXPECT_EQ(bad_outcome.code(), "validation.field");
    EXPECT_EQ(client.get("/api/v1/me/proposals", staff).code(), "auth.role");
    // The trainee withdraws; then there is nothing to decide.
    auto withdrawn =
      client.post(path + "/withdraw", json_text({ { "reason", "Betrieb wechselt" } }), trainee);
    ASSERT_EQ(withdrawn.status, 200U) << withdrawn.body;
    EXPECT_TRUE(mail_containing(k_trainer_email, "zur"));
    auto decided =
      client.post(path + "/decision", json_text({ { "outcome", "approved" } }), examiner);
    EXPECT_EQ(decided.status, 422U);
    EXPECT_EQ(decided.code(), "proposal.withdrawn");
}

// --- seminars ------------------------------------------------------------------------

TEST_F(GatewayExaminers, SeminarRegistrationsRequestedConfirmedAndCancelled)
{
    auto examiner = examiner_token();
    auto trainee = env.activate_and_login(k_trainee_email);
    auto seminar = json_text({ { "title", "Prüferschulung Bewertung" },
                               { "date", "2027-02-10" },
                               { "location", "IHK Augsburg" },
                               { "capacity", 1 } });
    EXPECT_EQ(client.post("/api/v1/seminars", seminar).status, 401U);
    EXPECT_EQ(client.post("/api/v1/seminars", seminar, examiner).code(), "auth.role");
    auto bad =
      client.post("/api/v1/seminars", json_text({ { "title", "" }, { "capacity", 0 } }), staff);
    ASSERT_EQ(bad.status, 400U);
    for (const char* field : { "title", "date", "location", "capacity" }) {
        EXPECT_NE(bad.body.find(std::string("\"") + field + "\""), std::string::npos) << field;
    }
    auto past = client.post(
      "/api/v1/seminars",
      json_text(
        { { "title", "Alt" }, { "date", "2026-01-10" }, { "location", "IHK" }, { "capacity", 5 } }),
      staff);
    EXPECT_EQ(past.status, 422U);
    EXPECT_EQ(past.code(), "seminar.date_in_past");
    auto created = client.post("/api/v1/seminars", seminar, staff);
    ASSERT_EQ(created.status, 201U) << created.body;
    auto id = created.str("id");
    auto regs = "/api/v1/seminars/" + id + "/registrations";

    // Examiners and staff list seminars; trainees may not.
    auto listed = client.get(
      "/api/v1/seminars", examiner, { { "Portal-Min-Position", created.str("position") } });
    ASSERT_EQ(listed.status, 200U) << listed.body;
    ASSERT_EQ(listed.json().at("items").as_array().size(), 1U);
    EXPECT_EQ(listed.json().at("items").at(0).at("title").as_string(), "Prüferschulung Bewertung");
    EXPECT_EQ(client.get("/api/v1/seminars", trainee).code(), "auth.role");

    // Request, confirm, and the capacity holds.
    EXPECT_EQ(client.post(regs, "{}", trainee).code(), "auth.role");
    EXPECT_EQ(client.post("/api/v1/seminars/no-such/registrations", "{}", examiner).status, 404U);
    auto requested = client.post(regs, "{}", examiner);
    ASSERT_EQ(requested.status, 201U) << requested.body;
    auto reg = requested.str("id");
    auto twice = client.post(regs, "{}", examiner);
    EXPECT_EQ(twice.status, 409U);
    EXPECT_EQ(twice.code(), "seminar.already_registered");
    EXPECT_EQ(client.post(regs + "/" + reg + "/confirm", "{}", examiner).code(), "auth.role");
    EXPECT_EQ(client.post(regs + "/no-such/confirm", "{}", staff).code(),
              "seminar.registration_not_found");
    auto confirmed = client.post(regs + "/" + reg + "/confirm", "{}", staff);
    ASSERT_EQ(confirmed.status, 200U) << confirmed.body;

    auto second_examiner = client.post("/api/v1/examiners",
                                       json_text({ { "email", "zweite@pruefer.example" },
                                                   { "committee", "PA Industriemechanik 1" },
                                                   { "occupation", k_occupation },
                                                   { "memberRole", "employer" },
                                                   { "termEnd", "2029-12-31" } }),
                                       staff);
    ASSERT_EQ(second_examiner.status, 201U);
    auto second = env.activate_and_login("zweite@pruefer.example");
    auto second_request = client.post(regs, "{}", second);
    ASSERT_EQ(second_request.status, 201U) << second_request.body;
    auto full = client.post(regs + "/" + second_request.str("id") + "/confirm", "{}", staff);
    EXPECT_EQ(full.status, 422U);
    EXPECT_EQ(full.code(), "seminar.full");

    // Staff see every registration; an examiner only their own.
    auto for_staff = client.get(
      "/api/v1/seminars", staff, { { "Portal-Min-Position", second_request.str("position") } });
    auto seminar_doc = for_staff.json().at("items").at(0);
    EXPECT_EQ(seminar_doc.at("registrations").as_array().size(), 2U) << for_staff.body;
    EXPECT_EQ(seminar_doc.at("placesTaken").as_int64(), 1);
    auto for_second = client.get("/api/v1/seminars", second);
    EXPECT_EQ(for_second.json().at("items").at(0).at("registrations").as_array().size(), 1U);

    // Someone else's registration cannot be cancelled; one's own can.
    auto foreign = client.del(regs + "/" + reg, second);
    EXPECT_EQ(foreign.status, 403U);
    EXPECT_EQ(foreign.code(), "seminar.not_allowed");
    auto cancelled = client.del(regs + "/" + reg, examiner);
    ASSERT_EQ(cancelled.status, 200U) << cancelled.body;
    auto now_free = client.post(regs + "/" + second_request.str("id") + "/confirm", "{}", staff);
    EXPECT_EQ(now_free.status, 200U) << now_free.body;
    auto view = client.get(
      "/api/v1/me/examining", second, { { "Portal-Min-Position", now_free.str("position") } });
    ASSERT_EQ(view.status, 200U);
    EXPECT_EQ(view.json().at("seminars").at(0).at("status").as_string(), "confirmed");
}

} // namespace
} // namespace portal::testing
