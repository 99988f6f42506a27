// The authorisation matrix (DOMAIN.md, "Data protection"): every read
// route of a contract, its records and its company × every kind of viewer,
// including another company, another trainee of the same company, a
// representative before and after revocation, chamber staff before and
// after the trainee's access grant, and an auditor. A viewer either sees
// the resource (200) or gets 403/404, never the data.

#include "gateway_training_world.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace portal::testing {
namespace {

using events::role;

class GatewayAuthz : public ::testing::Test
{
  protected:
    training_world w;
    std::string report_id;
    std::map<std::string, std::string> tokens;

    void SetUp() override
    {
        // A record of the trainee (week 47), submitted to the trainer.
        auto drafted = w.env.client().post(
          "/api/v1/contracts/" + w.contract_id + "/reports",
          json_text(
            { { "period", { { "kind", "week" }, { "year", 2026 }, { "week", 47 } } },
              { "entries",
                boost::json::array{
                  { { "kind", "company" }, { "text", "Drehen und Fräsen" }, { "hours", 8 } } } } }),
          w.trainee);
        ASSERT_EQ(drafted.status, 201U) << drafted.body;
        // (the body above is the minimal valid draft)
        report_id = drafted.str("id");
        tokens["trainee"] = w.trainee;
        tokens["trainer"] = w.trainer;
        tokens["staff"] = w.staff;
        tokens["company"] = w.person("firma@muster.example", { role::company, w.company_id, "" });
        tokens["auditor"] = w.person("revision@ihk.example", { role::auditor, "", "" });
        // Another company with its own account.
        domain::company::register_company other;
        other.name = "Andere Werke AG";
        other.member_number = "9999";
        other.email = "info@andere.example";
        other.address = { "Hauptstraße 1", "80331", "München" };
        ASSERT_TRUE(app::register_company(w.services(), w.as_staff(), other).has_value());
        tokens["other company"] =
          w.person("chef@andere.example", { role::company, app::company_id_for("9999"), "" });
        // Another trainee of the same company.
        tokens["other trainee"] =
          w.contract("zweite@muster.example", schema::RecordForm::ELECTRONIC).second;
        // A representative (tax adviser) of the company.
        tokens["representative"] =
          w.person("berater@steuer.example", { role::representative, w.company_id, "" });
        auto appointed = app::appoint_representative(
          w.services(),
          w.as_staff(),
          w.company_id,
          { "rep-1", w.services().account_id_of("berater@steuer.example"), "Steuerbüro Klug" });
        ASSERT_TRUE(appointed.has_value()) << appointed.error().code;
    }

    /// The routes of the matrix.
    std::vector<std::string> routes()
    {
        auto company = "/api/v1/companies/" + w.company_id;
        return { "/api/v1/contracts/" + w.contract_id,
                 "/api/v1/contracts/" + w.contract_id + "/reports",
                 "/api/v1/reports/" + report_id,
                 "/api/v1/reports/" + report_id + "/history",
                 company,
                 company + "/dashboard",
                 company + "/contracts",
                 company + "/trainers",
                 company + "/documents",
                 company + "/exams",
                 company + "/representatives",
                 "/api/v1/accounts/" + w.services().account_id_of(training_world::k_trainee_email) +
                   "/security",
                 "/api/v1/streams/report-" + report_id + "/events" };
    }

    /// POSTs `body` to `path` as each viewer of `expected` (viewer -> the
    /// statuses allowed); returns the mismatches as text.
    std::string post_as(const std::string& path,
                        const std::string& body,
                        const std::vector<std::pair<std::string, std::vector<unsigned>>>& expected)
    {
        std::string mismatches;
        for (const auto& [viewer, statuses] : expected) {
            auto r = w.env.client().post(path, body, tokens.at(viewer));
            if (std::find(statuses.begin(), statuses.end(), r.status) == statuses.end()) {
                mismatches += viewer + " POST " + path + " -> " + std::to_string(r.status) + " " +
                              r.body + "\n";
            }
        }
        return mismatches;
    }

    /// Checks `expected` (route index -> visible) for `viewer`; returns the
    /// mismatches as text.
    std::string check(const std::string& viewer, const std::vector<int>& expected)
    {
        std::string mismatches;
        auto list = routes();
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (expected[i] < 0) {
                continue; // not specified for this viewer
            }
            auto r = w.env.client().get(list[i], tokens.at(viewer));
            bool visible = r.status == 200;
            bool refused = r.status == 403 || r.status == 404;
            if ((expected[i] == 1 && !visible) || (expected[i] == 0 && !refused)) {
                mismatches += viewer + " GET " + list[i] + " -> " + std::to_string(r.status) +
                              " (expected " + (expected[i] == 1 ? "200" : "403/404") + ")\n";
            }
        }
        return mismatches;
    }
};

// Columns: contract, records, record, history, company, dashboard,
// contracts, trainers, documents, exams, representatives, security log,
// stream events. 1 visible, 0 refused, -1 not part of the matrix.
TEST_F(GatewayAuthz, EveryViewerSeesWhatItsRelationshipGivesIt)
{
    std::string failures;
    failures += check("trainee", { 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0 });
    failures += check("trainer", { 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, 0, 0 });
    failures += check("company", { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 });
    failures += check("representative", { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 });
    failures += check("other company", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
    failures += check("other trainee", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
    failures += check("staff", { 1, -1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 });
    failures += check("auditor", { 1, -1, 1, 1, -1, -1, -1, -1, -1, -1, -1, 1, 1 });
    EXPECT_EQ(failures, "");
}

// The erasure of a contract's personal data (a write, so not in the matrix
// of reads above): only chamber staff; whoever sees the contract gets 403,
// whoever does not 404, and nobody but staff reaches the contract's rule.
TEST_F(GatewayAuthz, OnlyChamberStaffEraseAContractsPersonalData)
{
    auto path = "/api/v1/contracts/" + w.contract_id + "/erase";
    auto body = json_text({ { "reason", "Aufbewahrungsfrist abgelaufen" } });
    EXPECT_EQ(post_as(path,
                      body,
                      { { "trainee", { 403 } },
                        { "trainer", { 403 } },
                        { "company", { 403 } },
                        { "representative", { 403 } },
                        { "other company", { 404 } },
                        { "other trainee", { 404 } },
                        { "auditor", { 403, 404 } } }),
              "");
    // Staff reach the rule: the contract still runs.
    auto by_staff = w.env.client().post(path, body, tokens.at("staff"));
    EXPECT_EQ(by_staff.status, 422U) << by_staff.body;
    EXPECT_EQ(by_staff.code(), "contract.still_running");
}

// The erasure of a trainer's or representative's name and e-mail address:
// only chamber staff (the company itself, its representative, anyone else
// is refused); an erased representative loses access like a revoked one.
TEST_F(GatewayAuthz, OnlyChamberStaffEraseATrainerOrARepresentative)
{
    auto trainer_path =
      "/api/v1/companies/" + w.company_id + "/trainers/" + w.trainer_id + "/erase";
    // A second representative, appointed through the API (whose ids name
    // the company).
    tokens["second representative"] =
      w.person("vertretung@steuer.example", { role::representative, w.company_id, "" });
    auto second = w.env.client().post(
      "/api/v1/companies/" + w.company_id + "/representatives",
      json_text({ { "accountId", w.services().account_id_of("vertretung@steuer.example") } }),
      tokens.at("company"));
    ASSERT_EQ(second.status, 201U) << second.body;
    auto rep_path = "/api/v1/representatives/" + second.str("id") + "/erase";
    auto body = json_text({ { "reason", "Aufbewahrungsfrist abgelaufen" } });
    for (const auto& path : { trainer_path, rep_path }) {
        EXPECT_EQ(post_as(path,
                          body,
                          { { "trainee", { 404 } },
                            { "trainer", { 403, 404 } },
                            { "company", { 403 } },
                            { "representative", { 403 } },
                            { "other company", { 404 } },
                            { "other trainee", { 404 } },
                            { "auditor", { 403, 404 } } }),
                  "");
    }
    auto bad = w.env.client().post(trainer_path, "{}", tokens.at("staff"));
    EXPECT_EQ(bad.status, 400U) << bad.body;
    auto unknown = w.env.client().post(
      "/api/v1/companies/" + w.company_id + "/trainers/nobody/erase", body, tokens.at("staff"));
    EXPECT_EQ(unknown.status, 404U) << unknown.body;
    EXPECT_EQ(unknown.code(), "company.trainer_not_found");

    ASSERT_EQ(check("second representative", { 1, 1, 1, -1, 1, 1, -1, -1, -1, -1, -1, -1, -1 }),
              "");
    auto erased = w.env.client().post(rep_path, body, tokens.at("staff"));
    ASSERT_EQ(erased.status, 200U) << erased.body;
    EXPECT_EQ(check("second representative", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }), "");
    auto account =
      app::load_account(w.services(), w.services().account_id_of("vertretung@steuer.example"));
    ASSERT_TRUE(account.has_value());
    EXPECT_TRUE(account->state.roles.empty()) << "the representative role went with it";
    auto reps = w.env.client().get("/api/v1/companies/" + w.company_id + "/representatives",
                                   tokens.at("staff"),
                                   { { "Portal-Min-Position", erased.str("position") } });
    ASSERT_EQ(reps.status, 200U) << reps.body;
    auto listed = reps.json();
    const auto& rep = listed.at("items").at(1).as_object();
    EXPECT_EQ(rep.at("name").as_string(), "");
    EXPECT_EQ(rep.at("status").as_string(), "revoked");
    EXPECT_EQ(rep.at("personalDataErased").as_bool(), true);

    auto trainer = w.env.client().post(trainer_path, body, tokens.at("staff"));
    ASSERT_EQ(trainer.status, 200U) << trainer.body;
    auto again = w.env.client().post(trainer_path, body, tokens.at("staff"));
    ASSERT_EQ(again.status, 200U) << again.body;
    EXPECT_EQ(again.json().at("version"), trainer.json().at("version")) << "no second event";
    auto trainers = w.env.client().get("/api/v1/companies/" + w.company_id + "/trainers",
                                       tokens.at("staff"),
                                       { { "Portal-Min-Position", trainer.str("position") } });
    ASSERT_EQ(trainers.status, 200U) << trainers.body;
    EXPECT_EQ(trainers.body.find("Thomas Berger"), std::string::npos) << trainers.body;
    EXPECT_EQ(trainers.body.find(training_world::k_trainer_email), std::string::npos);
}

TEST_F(GatewayAuthz, RevokedRepresentativeLosesAccess)
{
    ASSERT_EQ(check("representative", { 1, 1, 1, -1, 1, 1, -1, -1, -1, -1, -1, -1, -1 }), "");
    auto revoked =
      app::revoke_representative(w.services(), w.as_staff(), w.company_id, { "rep-1" });
    ASSERT_TRUE(revoked.has_value()) << revoked.error().code;
    EXPECT_EQ(check("representative", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }), "");
}

TEST_F(GatewayAuthz, StaffReadRecordContentsOnlyWhileTheTraineeGrantsAccess)
{
    auto record = "/api/v1/reports/" + report_id;
    EXPECT_EQ(w.env.client().get(record, w.staff).status, 404U);
    auto granted = w.env.client().post("/api/v1/contracts/" + w.contract_id + "/access-grants",
                                       json_text({ { "days", 14 } }),
                                       w.trainee);
    ASSERT_EQ(granted.status, 201U) << granted.body;
    EXPECT_EQ(w.env.client().get(record, w.staff).status, 200U);
    // Only the trainee grants: the company may not.
    auto by_company = w.env.client().post(
      "/api/v1/contracts/" + w.contract_id + "/access-grants", "{}", tokens["company"]);
    EXPECT_EQ(by_company.status / 100, 4U);
    EXPECT_NE(by_company.status, 201U);
    auto ended =
      w.env.client().del("/api/v1/contracts/" + w.contract_id + "/access-grants", w.trainee);
    ASSERT_EQ(ended.status, 200U) << ended.body;
    EXPECT_EQ(w.env.client().get(record, w.staff).status, 404U);
    // The grant also ends by itself after its days.
    ASSERT_EQ(w.env.client()
                .post("/api/v1/contracts/" + w.contract_id + "/access-grants",
                      json_text({ { "days", 14 } }),
                      w.trainee)
                .status,
              201U);
    EXPECT_EQ(w.env.client().get(record, w.staff).status, 200U);
    w.env.advance(std::chrono::hours{ 24 * 15 });
    auto staff = w.env.staff_token(training_world::k_staff_email); // sessions last 12 hours
    EXPECT_EQ(w.env.client().get(record, staff).status, 404U);
}

TEST_F(GatewayAuthz, StaffSeeRecordEventsWithoutTheirContent)
{
    auto events = w.env.client().get("/api/v1/streams/report-" + report_id + "/events", w.staff);
    ASSERT_EQ(events.status, 200U) << events.body;
    EXPECT_EQ(events.body.find("Drehen und Fräsen"), std::string::npos) << events.body;
    EXPECT_NE(events.body.find("\"redacted\":true"), std::string::npos);
    auto full =
      w.env.client().get("/api/v1/streams/report-" + report_id + "/events", tokens["auditor"]);
    ASSERT_EQ(full.status, 200U) << full.body;
    EXPECT_NE(full.body.find("Drehen und Fräsen"), std::string::npos);
}

TEST_F(GatewayAuthz, RolesAnAccountDoesNotHoldAreRefused)
{
    // A trainee cannot act as staff by asking for the role.
    auto r = w.env.client().post(
      "/api/v1/accounts",
      json_text({ { "role", "auditor" }, { "name", "X" }, { "email", "x@y.example" } }),
      w.trainee,
      { { "Portal-Role", "staff" } });
    EXPECT_EQ(r.status, 403U);
    auto registered =
      w.env.client().post("/api/v1/exams",
                          json_text({ { "occupation", training_world::k_occupation },
                                      { "type", "final" },
                                      { "date", "2027-05-04" },
                                      { "location", "IHK Augsburg" } }),
                          w.trainer);
    EXPECT_EQ(registered.status, 403U) << registered.body;
}

TEST_F(GatewayAuthz, NamingACompanyTheAccountDoesNotActForIsRefused)
{
    // A company account of another company claims to act for this one.
    auto exam = w.env.client().post("/api/v1/exams",
                                    json_text({ { "occupation", training_world::k_occupation },
                                                { "type", "final" },
                                                { "date", "2027-05-04" },
                                                { "location", "IHK Augsburg" } }),
                                    w.staff);
    ASSERT_EQ(exam.status, 201U) << exam.body;
    auto forged = w.env.client().post("/api/v1/exams/" + exam.str("id") + "/registrations",
                                      json_text({ { "contractId", w.contract_id } }),
                                      tokens["other company"],
                                      { { "Portal-Company", w.company_id } });
    EXPECT_EQ(forged.status, 403U) << forged.body;
    auto own = w.env.client().post("/api/v1/exams/" + exam.str("id") + "/registrations",
                                   json_text({ { "contractId", w.contract_id } }),
                                   tokens["company"],
                                   { { "Portal-Company", w.company_id } });
    EXPECT_EQ(own.status, 201U) << own.body;
}

} // namespace
} // namespace portal::testing
