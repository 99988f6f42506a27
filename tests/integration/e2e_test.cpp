// The whole backend on the embedded log: the demo's flows through the
// application layer, the process managers and every read model.

#include "app/accounts.hpp"
#include "app/policies.hpp"
#include "demo.hpp"
#include "portal/infra/embedded_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/projections/read_models.hpp"
#include "portal/projections/runner.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

using namespace portal;
namespace json = boost::json;

namespace {

std::string
str(const json::value& v)
{
    return v.is_string() ? std::string(v.as_string()) : std::string{};
}

struct EndToEnd : ::testing::Test
{
    portal::testing::temp_dir dir;
    std::unique_ptr<events::event_log> log =
      *infra::open_embedded_log({ .dir = dir.path() / "log", .sync = false });
    std::unique_ptr<infra::kv_store> store = *infra::open_kv_store({ .dir = dir.path() / "read" });
    app::services svc{ *log, [](std::string_view email) {
                          std::string id = "acc-";
                          for (char c : email) {
                              id.push_back(c == '@' ? '.' : c);
                          }
                          return id;
                      } };
    std::vector<std::unique_ptr<projections::projector>> projectors = projections::all_projectors();
    std::vector<std::unique_ptr<projections::runner>> runners;
    date today = day_of(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));

    void SetUp() override
    {
        std::ostringstream out;
        std::ostringstream err;
        ASSERT_EQ(cli::run_demo(svc, { .weeks = 8 }, out, err), 0) << err.str();
        for (auto& p : projectors) {
            auto r = projections::runner::start(*log, *store, *p);
            ASSERT_TRUE(r.has_value());
            runners.push_back(std::move(*r));
        }
        caught_up();
    }

    void TearDown() override
    {
        for (auto& r : runners) {
            r->stop();
        }
    }

    static timestamp now()
    {
        return std::chrono::time_point_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now());
    }

    void caught_up()
    {
        for (auto& r : runners) {
            auto done = r->wait_for(log->last_position(), std::chrono::seconds(60));
            ASSERT_TRUE(done.has_value()) << r->name() << ": " << done.error().message;
        }
    }
};

TEST_F(EndToEnd, TheTraineeSeesEveryPeriodWithItsStatus)
{
    auto view =
      projections::trainee_view(*store, svc.account_id_of("lena.hoffmann@demo-azubi.de"), today);
    ASSERT_TRUE(view.has_value()) << view.error().message;
    const auto& contracts = view->at("contracts").as_array();
    ASSERT_EQ(contracts.size(), 1U);
    std::set<std::string> statuses;
    for (const auto& r : contracts[0].at("records").as_array()) {
        statuses.insert(str(r.at("status")));
    }
    EXPECT_TRUE(statuses.contains("approved")) << json::serialize(contracts[0].at("records"));
    // Lena's latest record is a draft; older periods are approved, periods
    // before the demo's weeks are missing.
    EXPECT_TRUE(statuses.contains("draft"));
    EXPECT_TRUE(statuses.contains("missing"));
    EXPECT_FALSE(contracts[0].at("documents").as_array().empty());
}

TEST_F(EndToEnd, TheTrainerSeesWaitingRecordsAndTheSupervisorTheirs)
{
    auto trainer =
      projections::trainer_view(*store, svc.account_id_of("j.koehler@datenwerk-it.de"), today);
    ASSERT_TRUE(trainer.has_value());
    EXPECT_EQ(trainer->at("trainees").as_array().size(), 3U);
    EXPECT_FALSE(trainer->at("waiting").as_array().empty());
    auto supervisor = projections::supervisor_view(
      *store, svc.account_id_of("meister.huber@muster-maschinenbau.de"));
    ASSERT_TRUE(supervisor.has_value());
    EXPECT_FALSE(supervisor->at("records").as_array().empty());
}

TEST_F(EndToEnd, TheCompanySeesResultsOnlyWhileTheContractRuns)
{
    auto company_id = app::company_id_for("10001");
    auto view = projections::company_view(*store, company_id, today);
    ASSERT_TRUE(view.has_value()) << view.error().message;
    std::string contract_with_result;
    for (const auto& e : view->at("exams").as_array()) {
        if (e.as_object().contains("result")) {
            contract_with_result = str(e.at("contractId"));
        }
    }
    ASSERT_FALSE(contract_with_result.empty()) << json::serialize(view->at("exams"));

    domain::command_meta staff;
    staff.command_id = "end-1";
    staff.actor = { svc.account_id_of("sachbearbeitung@ihk-demo.de"), events::role::staff, "" };
    staff.now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    ASSERT_TRUE(
      app::end_contract(svc,
                        staff,
                        contract_with_result,
                        { format_date(today), schema::EndReason::TERMINATED, "Aufhebung" }));
    caught_up();
    auto after = projections::company_view(*store, company_id, today);
    ASSERT_TRUE(after.has_value());
    for (const auto& e : after->at("exams").as_array()) {
        if (str(e.at("contractId")) == contract_with_result) {
            EXPECT_FALSE(e.as_object().contains("result")) << json::serialize(e);
        }
    }
}

TEST_F(EndToEnd, TheChamberAndThePublicSeeTheirModels)
{
    auto staff = projections::staff_view(*store);
    ASSERT_TRUE(staff.has_value());
    EXPECT_EQ(staff->at("contracts").as_array().size(), 10U);
    auto listing = projections::public_companies(*store, std::nullopt, std::nullopt);
    ASSERT_TRUE(listing.has_value());
    EXPECT_EQ(listing->size(), 2U) << json::serialize(*listing);
    auto schedule = projections::exam_schedule(*store, std::nullopt, std::nullopt, std::nullopt);
    ASSERT_TRUE(schedule.has_value());
    EXPECT_EQ(schedule->size(), 2U);
    auto outbox = projections::outbox_entries(*store, "", 500);
    ASSERT_TRUE(outbox.has_value());
    std::set<std::string> kinds;
    for (const auto& m : *outbox) {
        kinds.insert(str(m.at("kind")));
    }
    for (auto kind : { "invitation",
                       "supervisor_pin",
                       "record_submitted",
                       "record_approved",
                       "record_rejected",
                       "results_published" }) {
        EXPECT_TRUE(kinds.contains(kind)) << kind;
    }
}

TEST_F(EndToEnd, ProcessManagersFindNothingLeftToDoInTheDemo)
{
    app::secret_source secrets{ [](auto, auto id) { return "t" + std::string(id); },
                                [](auto, auto) { return std::string("123456"); },
                                [](auto t) { return "h" + std::string(t); },
                                [](auto p) { return "p" + std::string(p); } };
    auto before = log->last_position();
    events::position after;
    for (;;) {
        auto batch = log->read_all(after, 500);
        ASSERT_TRUE(batch.has_value());
        if (batch->empty()) {
            break;
        }
        for (const auto& e : *batch) {
            auto r = app::react(svc, secrets, e, now());
            ASSERT_TRUE(r.has_value()) << e.stream << ": " << r.error().code;
            EXPECT_EQ(*r, 0U) << e.stream;
            after = e.position;
        }
    }
    EXPECT_EQ(log->last_position(), before);
}

TEST_F(EndToEnd, ARebuildFromZeroEqualsTheIncrementalModels)
{
    auto dump = [&] {
        std::vector<std::pair<std::string, std::string>> kv;
        auto scanned = store->scan("m/", "m0", [&](std::string_view k, std::string_view v) {
            kv.emplace_back(k, v);
            return true;
        });
        EXPECT_TRUE(scanned.has_value());
        return kv;
    };
    auto incremental = dump();
    ASSERT_FALSE(incremental.empty());
    for (auto& r : runners) {
        r->stop();
    }
    runners.clear();
    for (auto& p : projectors) {
        ASSERT_TRUE(projections::reset_projection(*store, p->name()));
        auto r = projections::runner::start(*log, *store, *p, { .max_batch_events = 4096 });
        ASSERT_TRUE(r.has_value());
        runners.push_back(std::move(*r));
    }
    caught_up();
    EXPECT_EQ(dump(), incremental);
}

} // namespace
