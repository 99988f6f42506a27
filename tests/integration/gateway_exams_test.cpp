// The exam routes over real sockets (docs/API.md, "Exams"): scheduling, the
// schedule and who sees registrations in it, registration by the company,
// admission and refusal, results and their publication, and the trainee's
// own exams. Companies and contracts are set up through the application
// layer (gateway_training_world.hpp).

#include "app/records.hpp"
#include "examiner/examiner.hpp"
#include "gateway_training_world.hpp"

#include <gtest/gtest.h>

using namespace portal;
using namespace portal::testing;
namespace json = boost::json;

namespace {

std::map<std::string, std::string>
min_position(const http_reply& write)
{
    return { { "Portal-Min-Position", write.str("position") } };
}

struct GatewayExams : ::testing::Test
{
    training_world world;
    http_client& client = world.env.client();

    http_reply schedule(const std::string& type,
                        const std::string& date = "2027-05-10",
                        const std::string& token = {})
    {
        return client.post("/api/v1/exams",
                           json_text({ { "occupation", training_world::k_occupation },
                                       { "type", type },
                                       { "date", date },
                                       { "location", "IHK-Prüfungszentrum Augsburg" } }),
                           token.empty() ? world.staff : token);
    }

    http_reply register_contract(const std::string& exam_id,
                                 const std::string& token,
                                 const std::map<std::string, std::string>& headers = {})
    {
        return client.post("/api/v1/exams/" + exam_id + "/registrations",
                           json_text({ { "contractId", world.contract_id } }),
                           token,
                           headers);
    }

    http_reply admission(const std::string& exam_id,
                         const std::string& reg_id,
                         const json::object& body)
    {
        return client.post("/api/v1/exams/" + exam_id + "/registrations/" + reg_id + "/admission",
                           json_text(body),
                           world.staff);
    }

    /// The exam `id` in a list reply (null when absent).
    static json::value exam_in(const http_reply& r, const std::string& id)
    {
        auto v = r.json();
        if (!v.is_object() || !v.as_object().contains("items")) {
            ADD_FAILURE() << "no list: " << r.body;
            return nullptr;
        }
        for (const auto& x : v.as_object().at("items").as_array()) {
            if (x.at("id").as_string() == id) {
                return x;
            }
        }
        return nullptr;
    }
};

TEST_F(GatewayExams, StaffScheduleAndEveryoneSeesTheDates)
{
    auto created = schedule("final_part1");
    ASSERT_EQ(created.status, 201) << created.body;
    auto id = created.str("id");
    ASSERT_FALSE(id.empty());

    auto seen = client.get("/api/v1/exams?occupation=" + std::string("Industriemechaniker%2F-in") +
                             "&from=2027-01-01&to=2027-12-31",
                           world.trainee,
                           min_position(created));
    ASSERT_EQ(seen.status, 200) << seen.body;
    auto exam = exam_in(seen, id);
    ASSERT_TRUE(exam.is_object()) << seen.body;
    EXPECT_EQ(exam.at("type").as_string(), "final_part1");
    EXPECT_EQ(exam.at("date").as_string(), "2027-05-10");
    EXPECT_EQ(exam.at("location").as_string(), "IHK-Prüfungszentrum Augsburg");
    EXPECT_FALSE(exam.at("name").as_string().empty());
    EXPECT_FALSE(exam.as_object().contains("registrations"));

    // Outside the range, and for another occupation: not listed.
    auto later = client.get("/api/v1/exams?from=2027-06-01", world.trainee);
    ASSERT_EQ(later.status, 200);
    EXPECT_TRUE(exam_in(later, id).is_null());
    auto other = client.get("/api/v1/exams?occupation=Koch", world.trainee);
    EXPECT_TRUE(exam_in(other, id).is_null());
    auto bad = client.get("/api/v1/exams?from=Mai", world.trainee);
    EXPECT_EQ(bad.status, 400) << bad.body;

    // Staff see the registrations.
    auto for_staff = client.get("/api/v1/exams", world.staff);
    ASSERT_EQ(for_staff.status, 200);
    EXPECT_TRUE(exam_in(for_staff, id).as_object().contains("registrations"));
}

TEST_F(GatewayExams, SchedulingErrors)
{
    auto by_trainer = schedule("final", "2027-05-10", world.trainer);
    EXPECT_EQ(by_trainer.status, 403) << by_trainer.body;
    EXPECT_EQ(by_trainer.code(), "exam.not_staff");
    auto past = schedule("final", "2026-01-10");
    EXPECT_EQ(past.status, 422) << past.body;
    EXPECT_EQ(past.code(), "exam.date_in_past");
    auto bad = client.post("/api/v1/exams",
                           json_text({ { "occupation", training_world::k_occupation },
                                       { "type", "oral" },
                                       { "date", "10.05.2027" } }),
                           world.staff);
    ASSERT_EQ(bad.status, 400) << bad.body;
    EXPECT_EQ(bad.json().at("errors").as_array().size(), 3U) << bad.body; // type, date, location
    auto late_deadline = client.post("/api/v1/exams",
                                     json_text({ { "occupation", training_world::k_occupation },
                                                 { "type", "final" },
                                                 { "date", "2027-05-10" },
                                                 { "location", "Augsburg" },
                                                 { "proposalDeadline", "2027-06-01" } }),
                                     world.staff);
    EXPECT_EQ(late_deadline.status, 400) << late_deadline.body;
    EXPECT_EQ(late_deadline.code(), "exam.deadline_not_before_date");
}

TEST_F(GatewayExams, RegistrationAdmissionResultsAndPublication)
{
    auto created = schedule("intermediate", "2027-03-15");
    ASSERT_EQ(created.status, 201) << created.body;
    auto exam_id = created.str("id");

    // The company registers its trainee's contract.
    auto company = world.env.activate_and_login(training_world::k_company_email);
    auto registered = register_contract(exam_id, company);
    ASSERT_EQ(registered.status, 201) << registered.body;
    auto reg_id = registered.str("id");
    auto twice = register_contract(exam_id, company);
    EXPECT_EQ(twice.status, 409) << twice.body;
    EXPECT_EQ(twice.code(), "exam.already_registered");

    // The trainee sees the date and the status.
    auto mine = client.get("/api/v1/me/exams", world.trainee, min_position(registered));
    ASSERT_EQ(mine.status, 200) << mine.body;
    auto items = mine.json().at("items").as_array();
    ASSERT_EQ(items.size(), 1U) << mine.body;
    EXPECT_EQ(items[0].at("examId").as_string(), exam_id);
    EXPECT_EQ(items[0].at("registrationId").as_string(), reg_id);
    EXPECT_EQ(items[0].at("status").as_string(), "registered");
    EXPECT_EQ(items[0].at("date").as_string(), "2027-03-15");

    // Admission (staff only).
    auto by_company =
      client.post("/api/v1/exams/" + exam_id + "/registrations/" + reg_id + "/admission",
                  json_text({ { "admitted", true } }),
                  company);
    EXPECT_EQ(by_company.status, 403) << by_company.body;
    auto admitted = admission(exam_id, reg_id, { { "admitted", true } });
    ASSERT_EQ(admitted.status, 200) << admitted.body;
    EXPECT_EQ(admitted.str("id"), reg_id);
    auto refuse_now =
      admission(exam_id, reg_id, { { "admitted", false }, { "reason", "zu spät" } });
    EXPECT_EQ(refuse_now.status, 409) << refuse_now.body;
    EXPECT_EQ(refuse_now.code(), "exam.already_decided");

    // Results once the exam was held.
    auto result_url = "/api/v1/exams/" + exam_id + "/registrations/" + reg_id + "/result";
    auto body =
      json_text({ { "parts",
                    json::array{ json::object{ { "name", "Arbeitsauftrag" }, { "points", 85 } },
                                 json::object{ { "name", "Schriftlich" }, { "points", 91 } } } },
                  { "final", true } });
    auto too_early = client.put(result_url, body, world.staff);
    EXPECT_EQ(too_early.status, 422) << too_early.body;
    EXPECT_EQ(too_early.code(), "exam.not_yet_held");
    // Sessions last hours: sign in again after the clock jumped.
    world.env.set_now(*parse_rfc3339("2027-03-20T09:00:00Z"));
    world.staff = world.env.staff_token(training_world::k_staff_email);
    world.trainer = world.env.login_token(training_world::k_trainer_email, gateway_env::k_password);
    world.trainee = world.env.login_token(training_world::k_trainee_email, gateway_env::k_password);
    auto out_of_range = client.put(
      result_url,
      json_text({ { "parts", json::array{ json::object{ { "name", "A" }, { "points", 101 } } } },
                  { "final", true } }),
      world.staff);
    EXPECT_EQ(out_of_range.status, 400) << out_of_range.body;
    EXPECT_EQ(out_of_range.code(), "exam.points_out_of_range");
    auto by_trainer = client.put(result_url, body, world.trainer);
    EXPECT_EQ(by_trainer.status, 403) << by_trainer.body;
    auto recorded = client.put(result_url, body, world.staff);
    ASSERT_EQ(recorded.status, 200) << recorded.body;

    // Not published yet: the trainee sees no result.
    auto unpublished = client.get("/api/v1/me/exams", world.trainee, min_position(recorded));
    ASSERT_EQ(unpublished.status, 200);
    EXPECT_EQ(unpublished.json().at("items").as_array()[0].at("status").as_string(), "admitted");
    EXPECT_FALSE(unpublished.json().at("items").as_array()[0].as_object().contains("result"));

    auto publish_by_trainee =
      client.post("/api/v1/exams/" + exam_id + "/publish", "{}", world.trainee);
    EXPECT_EQ(publish_by_trainee.status, 403) << publish_by_trainee.body;
    auto published = client.post("/api/v1/exams/" + exam_id + "/publish", "{}", world.staff);
    ASSERT_EQ(published.status, 200) << published.body;
    auto with_result = client.get("/api/v1/me/exams", world.trainee, min_position(published));
    ASSERT_EQ(with_result.status, 200);
    auto result = with_result.json().at("items").as_array()[0].at("result");
    EXPECT_EQ(result.at("totalPoints").to_number<int>(), 88);
    EXPECT_EQ(result.at("grade").to_number<int>(), 2);
    EXPECT_EQ(result.at("status").as_string(), "final");

    // Only trainees have own exams.
    auto not_trainee = client.get("/api/v1/me/exams", world.trainer);
    EXPECT_EQ(not_trainee.status, 403) << not_trainee.body;
    EXPECT_EQ(not_trainee.code(), "auth.role");
}

TEST_F(GatewayExams, RefusalNeedsAReason)
{
    auto created = schedule("intermediate", "2027-03-15");
    ASSERT_EQ(created.status, 201);
    auto exam_id = created.str("id");
    auto registered = register_contract(exam_id, world.staff);
    ASSERT_EQ(registered.status, 201) << registered.body;
    auto reg_id = registered.str("id");
    auto no_reason = admission(exam_id, reg_id, { { "admitted", false } });
    EXPECT_EQ(no_reason.status, 400) << no_reason.body;
    EXPECT_EQ(no_reason.code(), "exam.reason_required");
    auto refused = admission(
      exam_id, reg_id, { { "admitted", false }, { "reason", "Anmeldeunterlagen unvollständig" } });
    ASSERT_EQ(refused.status, 200) << refused.body;
    auto for_staff = client.get("/api/v1/exams", world.staff, min_position(refused));
    auto regs = exam_in(for_staff, exam_id).at("registrations").as_array();
    ASSERT_EQ(regs.size(), 1U);
    EXPECT_EQ(regs[0].at("status").as_string(), "refused");
    EXPECT_EQ(regs[0].at("reason").as_string(), "Anmeldeunterlagen unvollständig");
    auto unknown = admission(exam_id, "no-such-registration", { { "admitted", true } });
    EXPECT_EQ(unknown.status, 404) << unknown.body;
    auto missing = admission(exam_id, reg_id, {});
    EXPECT_EQ(missing.status, 400) << missing.body;
}

TEST_F(GatewayExams, FinalExamAdmissionNeedsApprovedRecords)
{
    auto created = schedule("final");
    ASSERT_EQ(created.status, 201);
    auto exam_id = created.str("id");
    auto registered = register_contract(exam_id, world.staff);
    ASSERT_EQ(registered.status, 201) << registered.body;
    auto admitted = admission(exam_id, registered.str("id"), { { "admitted", true } });
    EXPECT_EQ(admitted.status, 422) << admitted.body;
    EXPECT_EQ(admitted.code(), "exam.records_incomplete");
}

TEST_F(GatewayExams, OnlyTheContractsCompanyRegistersItEvenWithAForgedHeader)
{
    auto created = schedule("intermediate", "2027-03-15");
    ASSERT_EQ(created.status, 201);
    auto exam_id = created.str("id");

    // Another company's account names the contract's company in
    // Portal-Company: it does not act for it.
    domain::company::register_company reg;
    reg.name = "Andere GmbH";
    reg.member_number = "4712";
    reg.email = "info@andere.example";
    reg.address = { "Hauptstraße 1", "86150", "Augsburg" };
    PORTAL_ASSERT_OK(app::register_company(world.services(), world.as_staff(), reg));
    auto other_id = app::company_id_for("4712");
    auto other = world.person("chef@andere.example", { events::role::company, other_id, "" });
    PORTAL_ASSERT_OK(
      app::link_company_account(world.services(),
                                world.as_staff(),
                                other_id,
                                { world.services().account_id_of("chef@andere.example") }));
    auto forged = register_contract(exam_id, other, { { "Portal-Company", world.company_id } });
    EXPECT_EQ(forged.status, 403) << forged.body;
    EXPECT_EQ(forged.code(), "auth.company");
    auto plain = register_contract(exam_id, other);
    EXPECT_EQ(plain.status, 403) << plain.body;

    // Nor does the trainer, nor the trainee.
    EXPECT_EQ(register_contract(exam_id, world.trainer).status, 403);
    EXPECT_EQ(register_contract(exam_id, world.trainee).status, 403);
    auto unknown = client.post("/api/v1/exams/no-such-exam/registrations",
                               json_text({ { "contractId", world.contract_id } }),
                               world.staff);
    EXPECT_EQ(unknown.status, 404) << unknown.body;
}

TEST_F(GatewayExams, AssignedExaminersSeeTheRegistrations)
{
    auto created = schedule("intermediate", "2027-03-15");
    ASSERT_EQ(created.status, 201);
    auto exam_id = created.str("id");
    ASSERT_EQ(register_contract(exam_id, world.staff).status, 201);
    auto examiner = world.person("pruefer@ihk.example", { events::role::examiner, "", "" });
    auto examiner_id = world.services().account_id_of("pruefer@ihk.example");

    auto before = client.get("/api/v1/exams", examiner);
    ASSERT_EQ(before.status, 200) << before.body;
    EXPECT_FALSE(exam_in(before, exam_id).as_object().contains("registrations"));

    domain::examiner::appoint appoint{ "appointment-1",
                                       examiner_id,
                                       "PA Industriemechanik 1",
                                       training_world::k_occupation,
                                       schema::MemberRole::EMPLOYER,
                                       "2026-11-01",
                                       "2030-10-31" };
    PORTAL_ASSERT_OK(app::appoint_examiner(world.services(), world.as_staff(), appoint));
    auto assigned = app::assign_examiner(
      world.services(), world.as_staff(), examiner_id, { "appointment-1", exam_id });
    PORTAL_ASSERT_OK(assigned);
    auto after =
      client.get("/api/v1/exams",
                 examiner,
                 { { "Portal-Min-Position", std::to_string(assigned->position.value) } });
    ASSERT_EQ(after.status, 200) << after.body;
    auto exam = exam_in(after, exam_id);
    ASSERT_TRUE(exam.as_object().contains("registrations")) << after.body;
    EXPECT_EQ(exam.at("registrations").as_array().size(), 1U);
    EXPECT_FALSE(exam.as_object().contains("examinerAccountIds"));
}

} // namespace
