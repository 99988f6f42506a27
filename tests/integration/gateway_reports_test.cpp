// The training-record routes over real sockets (docs/API.md, "Training
// records"): drafting, editing with If-Match, submitting, approving and
// rejecting (one and many), the record read model, its state as of a time,
// its history, a contract's records with missing periods and the approvals
// waiting for the caller (with the trainee's name) and a trainer's trainees
// (GET /api/v1/me/trainees). Companies and contracts are set up through the
// application layer (gateway_training_world.hpp).

#include "app/records.hpp"
#include "gateway_training_world.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

using namespace portal;
using namespace portal::testing;
namespace json = boost::json;

namespace {

constexpr const char* k_supervisor_email = "leitung@muster.example";

json::object
week(int w)
{
    return json::object{ { "kind", "week" }, { "year", 2026 }, { "week", w } };
}

json::array
entries(const std::string& text, double hours = 7.5)
{
    return json::array{ json::object{ { "kind", "company" }, { "text", text }, { "hours", hours } },
                        json::object{ { "kind", "school" },
                                      { "text", "Lernfeld 3: Fertigen mit Werkzeugmaschinen" },
                                      { "hours", 8 } } };
}

std::map<std::string, std::string>
min_position(const http_reply& write)
{
    return { { "Portal-Min-Position", write.str("position") } };
}

struct GatewayReports : ::testing::Test
{
    training_world world;
    http_client& client = world.env.client();

    std::string report_id(int w)
    {
        domain::report::record_period p;
        p.kind = schema::PeriodKind::WEEK;
        p.week = iso_week{ 2026, static_cast<unsigned>(w) };
        return app::report_id_for(world.contract_id, p);
    }

    http_reply draft(int w, const std::string& text = "Bauteile nach Zeichnung gefeilt")
    {
        return client.post(
          "/api/v1/contracts/" + world.contract_id + "/reports",
          json_text(
            { { "period", week(w) }, { "entries", entries(text) }, { "absences", json::array{} } }),
          world.trainee);
    }

    http_reply submit(int w, const std::string& approver)
    {
        return client.post("/api/v1/reports/" + report_id(w) + "/submit",
                           json_text({ { "approverEmail", approver } }),
                           world.trainee);
    }

    http_reply approve(int w, const std::string& token)
    {
        return client.post("/api/v1/reports/" + report_id(w) + "/approve", "{}", token);
    }

    /// The ids of a list reply's items (field `field`).
    static std::vector<std::string> ids_of(const http_reply& r, const char* field = "reportId")
    {
        std::vector<std::string> out;
        auto v = r.json();
        if (!v.is_object() || !v.as_object().contains("items")) {
            ADD_FAILURE() << "no list: " << r.body;
            return out;
        }
        for (const auto& item : v.as_object().at("items").as_array()) {
            if (const auto* id = item.as_object().if_contains(field); id && id->is_string()) {
                out.emplace_back(id->as_string());
            }
        }
        return out;
    }
};

TEST_F(GatewayReports, TheFullRecordFlowWithASupervisorByPin)
{
    // The trainee drafts week 47 with decimal hours and an absence.
    auto drafted = client.post(
      "/api/v1/contracts/" + world.contract_id + "/reports",
      json_text(
        { { "period", week(47) },
          { "entries", entries("Drehmaschine eingerichtet") },
          { "absences",
            json::array{ json::object{ { "date", "2026-11-20" }, { "kind", "vacation" } } } },
          { "trainingYear", 1 } }),
      world.trainee);
    ASSERT_EQ(drafted.status, 201) << drafted.body;
    EXPECT_EQ(drafted.str("id"), report_id(47));
    EXPECT_EQ(drafted.json().at("version").as_int64(), 1);

    auto read =
      client.get("/api/v1/reports/" + report_id(47), world.trainee, min_position(drafted));
    ASSERT_EQ(read.status, 200) << read.body;
    auto doc = read.json().as_object();
    EXPECT_EQ(doc.at("status").as_string(), "draft");
    EXPECT_EQ(doc.at("entries").as_array()[0].at("minutes").to_number<int>(), 450);
    EXPECT_EQ(doc.at("entries").as_array()[0].at("hours").to_number<double>(), 7.5);
    EXPECT_EQ(doc.at("absences").as_array()[0].at("kind").as_string(), "vacation");
    EXPECT_EQ(read.header("etag"), "\"1\"");

    // Submitted to a supervisor without an account: a PIN account by mail.
    auto submitted = submit(47, k_supervisor_email);
    ASSERT_EQ(submitted.status, 200) << submitted.body;
    // Two mails: the record to decide on, and the PIN.
    std::string pin;
    ASSERT_TRUE(wait_until(
      [&] {
          static const std::regex pin_re("PIN: ([0-9]+)");
          for (const auto& mail : world.env.mails_to(k_supervisor_email)) {
              std::smatch m;
              if (std::regex_search(mail, m, pin_re)) {
                  pin = m[1];
                  return true;
              }
          }
          return false;
      },
      std::chrono::seconds{ 20 }))
      << "no PIN mail";
    auto login = client.post("/api/v1/session/pin",
                             json_text({ { "email", k_supervisor_email }, { "pin", pin } }));
    ASSERT_EQ(login.status, 200) << login.body;
    auto supervisor = login.str("token");

    auto waiting = client.get("/api/v1/approvals", supervisor, min_position(submitted));
    ASSERT_EQ(waiting.status, 200) << waiting.body;
    EXPECT_EQ(ids_of(waiting), std::vector<std::string>{ report_id(47) });
    // The supervisor sees whose record it is.
    EXPECT_EQ(ids_of(waiting, "traineeName"), std::vector<std::string>{ "Mia Muster" });
    EXPECT_EQ(ids_of(waiting, "occupation"),
              std::vector<std::string>{ training_world::k_occupation });
    EXPECT_EQ(client.get("/api/v1/reports/" + report_id(47), supervisor).status, 200);

    // Rejecting needs remarks: the aggregate's rule, mapped by its class.
    auto no_remarks = client.post("/api/v1/reports/" + report_id(47) + "/reject", "{}", supervisor);
    EXPECT_EQ(no_remarks.status, 422) << no_remarks.body;
    EXPECT_EQ(no_remarks.code(), "report.remarks_required");
    auto rejected =
      client.post("/api/v1/reports/" + report_id(47) + "/reject",
                  json_text({ { "remarks", "Bitte die Tätigkeiten genauer beschreiben" } }),
                  supervisor);
    ASSERT_EQ(rejected.status, 200) << rejected.body;

    // The trainee edits and resubmits, now to the trainer.
    auto edited = client.put("/api/v1/reports/" + report_id(47),
                             json_text({ { "entries",
                                           entries("Drehmaschine eingerichtet, Wellen "
                                                   "nach Toleranz gedreht") } }),
                             world.trainee);
    ASSERT_EQ(edited.status, 200) << edited.body;
    ASSERT_EQ(submit(47, training_world::k_trainer_email).status, 200);

    auto for_trainer = client.get("/api/v1/approvals", world.trainer, min_position(edited));
    ASSERT_EQ(for_trainer.status, 200) << for_trainer.body;
    auto approved = client.post("/api/v1/reports/" + report_id(47) + "/approve",
                                json_text({ { "comment", "Gut beschrieben" } }),
                                world.trainer);
    ASSERT_EQ(approved.status, 200) << approved.body;

    auto final_read =
      client.get("/api/v1/reports/" + report_id(47), world.trainee, min_position(approved));
    ASSERT_EQ(final_read.status, 200) << final_read.body;
    EXPECT_EQ(final_read.str("status"), "approved");
    EXPECT_EQ(final_read.str("comment"), "Gut beschrieben");
    EXPECT_EQ(final_read.json().at("absences").as_array().size(), 0U);

    // The supervisor no longer waits for it, and no longer sees it: the
    // last submission went to the trainer.
    auto none = client.get("/api/v1/approvals", supervisor, min_position(approved));
    EXPECT_TRUE(ids_of(none).empty()) << none.body;
    EXPECT_EQ(client.get("/api/v1/reports/" + report_id(47), supervisor).status, 404);

    // The history has every step with its actor.
    auto history = client.get("/api/v1/reports/" + report_id(47) + "/history", world.trainee);
    ASSERT_EQ(history.status, 200) << history.body;
    std::vector<std::string> events;
    auto history_json = history.json();
    for (const auto& e : history_json.at("items").as_array()) {
        events.emplace_back(e.at("event").as_string());
    }
    EXPECT_EQ(events,
              (std::vector<std::string>{ "report.drafted",
                                         "report.submitted",
                                         "report.rejected",
                                         "report.edited",
                                         "report.submitted",
                                         "report.approved" }));
}

TEST_F(GatewayReports, ApprovingTwiceChangesNothingAndAnApprovedRecordIsLockedForTheTrainee)
{
    ASSERT_EQ(draft(46).status, 201);
    ASSERT_EQ(submit(46, training_world::k_trainer_email).status, 200);
    auto first = approve(46, world.trainer);
    ASSERT_EQ(first.status, 200) << first.body;
    // The aggregate treats a repeated approval as done already (no events):
    // the same version, no conflict.
    auto second = approve(46, world.trainer);
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_EQ(second.json().at("version"), first.json().at("version"));
    // The trainee can no longer change it: a conflict with its state.
    auto edit = client.put("/api/v1/reports/" + report_id(46),
                           json_text({ { "entries", entries("nachträglich") } }),
                           world.trainee);
    EXPECT_EQ(edit.status, 409) << edit.body;
    EXPECT_EQ(edit.code(), "report.already_approved");
    // Only the approver reopens it, by rejecting.
    auto reopened = client.post("/api/v1/reports/" + report_id(46) + "/reject",
                                json_text({ { "remarks", "Stunden am Mittwoch prüfen" } }),
                                world.trainer);
    EXPECT_EQ(reopened.status, 200) << reopened.body;
}

TEST_F(GatewayReports, DraftingErrors)
{
    ASSERT_EQ(draft(46).status, 201);
    auto again = draft(46);
    EXPECT_EQ(again.status, 409) << again.body;
    EXPECT_EQ(again.code(), "report.already_exists");

    auto future = draft(49);
    EXPECT_EQ(future.status, 422) << future.body;
    EXPECT_EQ(future.code(), "report.period_in_future");

    auto unknown_contract =
      client.post("/api/v1/contracts/no-such-contract/reports",
                  json_text({ { "period", week(46) }, { "entries", entries("x") } }),
                  world.trainee);
    EXPECT_EQ(unknown_contract.status, 404) << unknown_contract.body;

    // The trainer may not draft the trainee's record.
    auto by_trainer =
      client.post("/api/v1/contracts/" + world.contract_id + "/reports",
                  json_text({ { "period", week(45) }, { "entries", entries("x") } }),
                  world.trainer);
    EXPECT_EQ(by_trainer.status, 403) << by_trainer.body;
    EXPECT_EQ(by_trainer.code(), "report.not_trainee");

    // Every field error at once.
    auto bad =
      client.post("/api/v1/contracts/" + world.contract_id + "/reports",
                  json_text({ { "period", json::object{ { "kind", "week" }, { "year", 2026 } } },
                              { "entries",
                                json::array{ json::object{
                                  { "kind", "holiday" }, { "text", "x" }, { "hours", "acht" } } } },
                              { "colour", "blue" } }),
                  world.trainee);
    ASSERT_EQ(bad.status, 400) << bad.body;
    EXPECT_EQ(bad.code(), "validation.field");
    std::set<std::string> fields;
    auto problem = bad.json();
    for (const auto& e : problem.at("errors").as_array()) {
        fields.insert(std::string(e.at("field").as_string()));
    }
    EXPECT_TRUE(fields.contains("period.week")) << bad.body;
    EXPECT_TRUE(fields.contains("entries[0].kind")) << bad.body;
    EXPECT_TRUE(fields.contains("entries[0].hours")) << bad.body;
    EXPECT_TRUE(fields.contains("colour")) << bad.body;

    // More than 24 hours in one entry is the aggregate's rule.
    auto too_long =
      client.post("/api/v1/contracts/" + world.contract_id + "/reports",
                  json_text({ { "period", week(45) }, { "entries", entries("x", 25) } }),
                  world.trainee);
    EXPECT_EQ(too_long.status, 400) << too_long.body;
    EXPECT_EQ(too_long.code(), "validation.entry_minutes");
}

TEST_F(GatewayReports, DecisionErrors)
{
    ASSERT_EQ(draft(46).status, 201);
    // Approving a draft: it waits for no decision.
    auto early = approve(46, world.trainer);
    EXPECT_EQ(early.status, 422) << early.body;
    EXPECT_EQ(early.code(), "report.not_submitted");
    ASSERT_EQ(submit(46, training_world::k_trainer_email).status, 200);
    // The trainee cannot decide, nor submit to themself.
    auto self = client.post("/api/v1/reports/" + report_id(46) + "/approve", "{}", world.trainee);
    EXPECT_EQ(self.status, 403) << self.body;
    EXPECT_EQ(self.code(), "report.not_approver");
    ASSERT_EQ(draft(45).status, 201);
    auto own = submit(45, training_world::k_trainee_email);
    EXPECT_EQ(own.status, 422) << own.body;
    EXPECT_EQ(own.code(), "report.self_approval");
    auto bad_mail = client.post("/api/v1/reports/" + report_id(45) + "/submit",
                                json_text({ { "approverEmail", "kein mail" } }),
                                world.trainee);
    EXPECT_EQ(bad_mail.status, 400) << bad_mail.body;
    auto unknown = client.post("/api/v1/reports/nope/approve", "{}", world.trainer);
    EXPECT_EQ(unknown.status, 404) << unknown.body;
}

TEST_F(GatewayReports, AStrangerSeesNothing)
{
    auto drafted = draft(46);
    ASSERT_EQ(drafted.status, 201);
    auto stranger = world.contract("fremd@muster.example", schema::RecordForm::ELECTRONIC).second;
    ASSERT_FALSE(stranger.empty());

    auto read = client.get("/api/v1/reports/" + report_id(46), stranger, min_position(drafted));
    EXPECT_EQ(read.status, 404) << read.body;
    EXPECT_EQ(read.code(), "report.not_found");
    auto history = client.get("/api/v1/reports/" + report_id(46) + "/history", stranger);
    EXPECT_EQ(history.status, 404) << history.body;
    auto as_of =
      client.get("/api/v1/reports/" + report_id(46) + "?asOf=2026-11-28T10:00:00Z", stranger);
    EXPECT_EQ(as_of.status, 404) << as_of.body;
    auto list = client.get("/api/v1/contracts/" + world.contract_id + "/reports", stranger);
    EXPECT_EQ(list.status, 404) << list.body;
    EXPECT_EQ(list.code(), "contract.not_found");
    // The version is no secret to leak either.
    auto edit = client.put("/api/v1/reports/" + report_id(46),
                           json_text({ { "entries", entries("x") } }),
                           stranger,
                           { { "If-Match", "7" } });
    EXPECT_EQ(edit.status, 404) << edit.body;
    // Unknown records are just as unknown.
    EXPECT_EQ(client.get("/api/v1/reports/" + report_id(45), world.trainee).status, 404);
    // Not signed in.
    EXPECT_EQ(client.get("/api/v1/reports/" + report_id(46)).status, 401);
}

TEST_F(GatewayReports, IfMatchMakesAnEditConditional)
{
    ASSERT_EQ(draft(46).status, 201);
    auto url = "/api/v1/reports/" + report_id(46);
    auto v2 = client.put(url,
                         json_text({ { "entries", entries("zweite Fassung") } }),
                         world.trainee,
                         { { "If-Match", "1" } });
    ASSERT_EQ(v2.status, 200) << v2.body;
    EXPECT_EQ(v2.json().at("version").as_int64(), 2);

    auto stale = client.put(url,
                            json_text({ { "entries", entries("dritte Fassung") } }),
                            world.trainee,
                            { { "If-Match", "1" } });
    EXPECT_EQ(stale.status, 412) << stale.body;
    EXPECT_EQ(stale.code(), "report.version_mismatch");

    auto read = client.get(url, world.trainee, min_position(v2));
    ASSERT_EQ(read.status, 200);
    EXPECT_EQ(read.json().at("entries").as_array()[0].at("text").as_string(), "zweite Fassung");
    // The ETag of a read is a valid If-Match.
    auto v3 = client.put(url,
                         json_text({ { "entries", entries("dritte Fassung") } }),
                         world.trainee,
                         { { "If-Match", read.header("etag") } });
    EXPECT_EQ(v3.status, 200) << v3.body;

    auto garbage = client.put(
      url, json_text({ { "entries", entries("x") } }), world.trainee, { { "If-Match", "abc" } });
    EXPECT_EQ(garbage.status, 400) << garbage.body;
    EXPECT_EQ(garbage.code(), "validation.if_match");
}

TEST_F(GatewayReports, MinPositionGivesReadYourWrites)
{
    ASSERT_EQ(draft(46).status, 201);
    auto url = "/api/v1/reports/" + report_id(46);
    for (int i = 0; i < 20; ++i) {
        auto text = "Fassung " + std::to_string(i);
        auto edited = client.put(url, json_text({ { "entries", entries(text) } }), world.trainee);
        ASSERT_EQ(edited.status, 200) << edited.body;
        auto read = client.get(url, world.trainee, min_position(edited));
        ASSERT_EQ(read.status, 200) << read.body;
        ASSERT_EQ(read.json().at("entries").as_array()[0].at("text").as_string(), text);
        ASSERT_EQ(read.json().at("version"), edited.json().at("version"));
    }
    auto bad = client.get(url, world.trainee, { { "Portal-Min-Position", "soon" } });
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.code(), "validation.position");
}

TEST_F(GatewayReports, AsOfShowsTheStateAtATime)
{
    ASSERT_EQ(draft(46, "erste Fassung").status, 201);
    auto url = "/api/v1/reports/" + report_id(46);
    auto edited =
      client.put(url, json_text({ { "entries", entries("zweite Fassung") } }), world.trainee);
    ASSERT_EQ(edited.status, 200);

    auto history = client.get(url + "/history", world.trainee, min_position(edited));
    ASSERT_EQ(history.status, 200) << history.body;
    auto items = history.json().at("items").as_array();
    ASSERT_EQ(items.size(), 2U) << history.body;
    auto drafted_at = std::string(items[0].at("recordedAt").as_string());

    auto then = client.get(url + "?asOf=" + drafted_at, world.trainee);
    ASSERT_EQ(then.status, 200) << then.body;
    EXPECT_EQ(then.json().at("version").as_int64(), 1);
    EXPECT_EQ(then.json().at("entries").as_array()[0].at("text").as_string(), "erste Fassung");

    auto now = client.get(url + "?asOf=2100-01-01T00:00:00Z", world.trainee);
    ASSERT_EQ(now.status, 200) << now.body;
    EXPECT_EQ(now.json().at("entries").as_array()[0].at("text").as_string(), "zweite Fassung");

    auto before = client.get(url + "?asOf=2000-01-01T00:00:00Z", world.trainee);
    EXPECT_EQ(before.status, 404) << before.body;
    auto bad = client.get(url + "?asOf=yesterday", world.trainee);
    EXPECT_EQ(bad.status, 400) << bad.body;
}

TEST_F(GatewayReports, BulkApprovalAnswersPerRecord)
{
    for (int w : { 45, 46 }) {
        ASSERT_EQ(draft(w).status, 201);
        ASSERT_EQ(submit(w, training_world::k_trainer_email).status, 200);
    }
    ASSERT_EQ(draft(47).status, 201);
    auto r = client.post("/api/v1/reports/approve",
                         json_text({ { "reportIds",
                                       json::array{ report_id(45).c_str(),
                                                    report_id(46).c_str(),
                                                    "unknown-record",
                                                    report_id(47).c_str() } } }),
                         world.trainer);
    ASSERT_EQ(r.status, 200) << r.body;
    auto items = r.json().at("items").as_array();
    ASSERT_EQ(items.size(), 4U);
    EXPECT_EQ(items[0].at("id").as_string(), report_id(45));
    EXPECT_EQ(items[0].at("status").as_int64(), 200);
    EXPECT_TRUE(items[0].as_object().contains("position"));
    EXPECT_EQ(items[1].at("status").as_int64(), 200);
    EXPECT_EQ(items[2].at("status").as_int64(), 404);
    EXPECT_EQ(items[2].at("code").as_string(), "report.not_found");
    EXPECT_EQ(items[3].at("status").as_int64(), 422);
    EXPECT_EQ(items[3].at("code").as_string(), "report.not_submitted");

    auto read = client.get("/api/v1/reports/" + report_id(46),
                           world.trainee,
                           { { "Portal-Min-Position", r.str("position") } });
    EXPECT_EQ(read.str("status"), "approved") << read.body;

    // The trainee is no approver of any of them.
    auto by_trainee =
      client.post("/api/v1/reports/approve",
                  json_text({ { "reportIds", json::array{ report_id(47).c_str() } } }),
                  world.trainee);
    ASSERT_EQ(by_trainee.status, 200);
    EXPECT_EQ(by_trainee.json().at("items").as_array()[0].at("status").as_int64(), 403);

    auto empty = client.post(
      "/api/v1/reports/approve", json_text({ { "reportIds", json::array{} } }), world.trainer);
    EXPECT_EQ(empty.status, 400) << empty.body;
}

TEST_F(GatewayReports, TheContractsRecordsShowMissingPeriods)
{
    auto drafted = draft(46);
    ASSERT_EQ(drafted.status, 201);
    auto url = "/api/v1/contracts/" + world.contract_id + "/reports";
    auto list = client.get(url, world.trainee, min_position(drafted));
    ASSERT_EQ(list.status, 200) << list.body;
    std::vector<std::pair<std::string, std::string>> periods;
    auto list_json = list.json();
    for (const auto& r : list_json.at("items").as_array()) {
        periods.emplace_back(r.at("periodKey").as_string(), r.at("status").as_string());
    }
    EXPECT_EQ(periods,
              (std::vector<std::pair<std::string, std::string>>{ { "2026-W45", "missing" },
                                                                 { "2026-W46", "draft" },
                                                                 { "2026-W47", "missing" },
                                                                 { "2026-W48", "open" } }));
    // The trainer and the company see them as well; a page of two.
    EXPECT_EQ(client.get(url, world.trainer).status, 200);
    auto company = world.env.activate_and_login(training_world::k_company_email);
    auto page = client.get(url + "?limit=2", company);
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_EQ(page.json().at("items").as_array().size(), 2U);
    EXPECT_EQ(page.str("next"), "2");
    // Chamber staff only while the trainee grants access.
    EXPECT_EQ(client.get(url, world.staff).status, 404);
    auto granted = client.post("/api/v1/contracts/" + world.contract_id + "/access-grants",
                               json_text({ { "days", 30 } }),
                               world.trainee);
    ASSERT_EQ(granted.status, 201) << granted.body;
    EXPECT_EQ(client.get(url, world.staff).status, 200);
    EXPECT_EQ(client.get("/api/v1/reports/" + report_id(46) + "/history", world.staff).status, 200);
}

TEST_F(GatewayReports, TheContractShowsTheTraineeWhetherChamberStaffMayReadTheRecords)
{
    auto contract_url = "/api/v1/contracts/" + world.contract_id;
    auto grant_url = contract_url + "/access-grants";
    auto before = client.get(contract_url, world.trainee);
    ASSERT_EQ(before.status, 200) << before.body;
    EXPECT_EQ(before.json().at("accessGrant").as_object(),
              (json::object{ { "active", false }, { "expiresAt", nullptr } }));

    auto granted = client.post(grant_url, json_text({ { "days", 30 } }), world.trainee);
    ASSERT_EQ(granted.status, 201) << granted.body;
    auto during = client.get(contract_url, world.trainee, min_position(granted));
    ASSERT_EQ(during.status, 200) << during.body;
    auto during_json = during.json();
    const auto& grant = during_json.at("accessGrant").as_object();
    EXPECT_TRUE(grant.at("active").as_bool());
    auto expires = parse_rfc3339(grant.at("expiresAt").as_string());
    ASSERT_TRUE(expires.has_value()) << during.body;
    EXPECT_EQ(*expires - world.env.now(), std::chrono::hours{ 24 * 30 });
    // Chamber staff see it too; the trainer and the company do not.
    auto for_staff = client.get(contract_url, world.staff);
    ASSERT_EQ(for_staff.status, 200) << for_staff.body;
    EXPECT_TRUE(for_staff.json().at("accessGrant").at("active").as_bool());
    auto for_trainer = client.get(contract_url, world.trainer);
    ASSERT_EQ(for_trainer.status, 200) << for_trainer.body;
    EXPECT_FALSE(for_trainer.json().as_object().contains("accessGrant")) << for_trainer.body;

    auto revoked = client.del(grant_url, world.trainee);
    ASSERT_EQ(revoked.status, 200) << revoked.body;
    auto after = client.get(contract_url, world.trainee, min_position(revoked));
    EXPECT_FALSE(after.json().at("accessGrant").at("active").as_bool()) << after.body;
    EXPECT_EQ(client.get(contract_url + "/reports", world.staff).status, 404);
}

TEST_F(GatewayReports, ApprovalsListWhatWaitsForTheCaller)
{
    for (int w : { 45, 46 }) {
        ASSERT_EQ(draft(w).status, 201);
    }
    auto first = submit(46, training_world::k_trainer_email);
    ASSERT_EQ(first.status, 200);
    auto second = submit(45, training_world::k_trainer_email);
    ASSERT_EQ(second.status, 200);
    auto waiting = client.get("/api/v1/approvals", world.trainer, min_position(second));
    ASSERT_EQ(waiting.status, 200) << waiting.body;
    // Oldest submission first.
    EXPECT_EQ(ids_of(waiting), (std::vector<std::string>{ report_id(46), report_id(45) }));
    auto approved = approve(46, world.trainer);
    ASSERT_EQ(approved.status, 200);
    auto left = client.get("/api/v1/approvals", world.trainer, min_position(approved));
    EXPECT_EQ(ids_of(left), std::vector<std::string>{ report_id(45) });
    auto for_trainee = client.get("/api/v1/approvals", world.trainee);
    ASSERT_EQ(for_trainee.status, 200);
    EXPECT_TRUE(ids_of(for_trainee).empty());
}

TEST_F(GatewayReports, TheTrainerListsTheTraineesWithTheirRecordProgress)
{
    ASSERT_EQ(draft(45).status, 201);
    auto submitted = submit(45, training_world::k_trainer_email);
    ASSERT_EQ(submitted.status, 200);
    auto listed = client.get("/api/v1/me/trainees", world.trainer, min_position(submitted));
    ASSERT_EQ(listed.status, 200) << listed.body;
    EXPECT_EQ(ids_of(listed, "contractId"), std::vector<std::string>{ world.contract_id });
    auto item = listed.json().at("items").as_array().at(0).as_object();
    EXPECT_EQ(item.at("traineeName").as_string(), "Mia Muster");
    EXPECT_EQ(item.at("occupation").as_string(), training_world::k_occupation);
    EXPECT_EQ(item.at("companyId").as_string(), world.company_id);
    EXPECT_EQ(item.at("status").as_string(), "active");
    EXPECT_EQ(item.at("start").as_string(), "2026-11-02");
    EXPECT_EQ(item.at("end").as_string(), "2029-08-31");
    // Weeks 45 to 48 are due by today (Saturday of week 48): one submitted,
    // two missing, the current week open.
    const auto& progress = item.at("progress").as_object();
    EXPECT_EQ(progress.at("submitted").to_number<int>(), 1) << listed.body;
    EXPECT_EQ(progress.at("missing").to_number<int>(), 2) << listed.body;
    EXPECT_EQ(listed.json().at("next"), nullptr);

    // A second contract of the trainer appears too.
    auto [second, second_token] =
      world.contract("zweite@muster.example", schema::RecordForm::ELECTRONIC);
    ASSERT_FALSE(second.empty());
    ASSERT_TRUE(wait_until([&] {
        return ids_of(client.get("/api/v1/me/trainees", world.trainer), "contractId").size() == 2;
    }))
      << client.get("/api/v1/me/trainees", world.trainer).body;

    // Only trainers have trainees; without a session, nothing.
    auto for_trainee = client.get("/api/v1/me/trainees", world.trainee);
    EXPECT_EQ(for_trainee.status, 403) << for_trainee.body;
    EXPECT_EQ(for_trainee.code(), "auth.role");
    EXPECT_EQ(client.get("/api/v1/me/trainees", world.staff).status, 403);
    EXPECT_EQ(client.get("/api/v1/me/trainees", "").status, 401);
}

} // namespace
