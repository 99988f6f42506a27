// The whole backend on the embedded log: the demo's flows through the
// application layer, the process managers and every read model.

#include "app/accounts.hpp"
#include "app/policies.hpp"
#include "common/processor.hpp"
#include "demo.hpp"
#include "mail_writer.hpp"
#include "portal/events/message.hpp"
#include "portal/infra/caching_log.hpp"
#include "portal/infra/embedded_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/infra/secrets.hpp"
#include "portal/projections/event_json.hpp"
#include "portal/projections/read_models.hpp"
#include "portal/projections/runner.hpp"
#include "runtime.hpp"
#include "state_json.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

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
    std::string key = std::string(32, 'k');
    std::string demo_output;
    std::vector<std::unique_ptr<projections::projector>> projectors = projections::all_projectors();
    std::vector<std::unique_ptr<projections::runner>> runners;
    date today = day_of(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));

    void SetUp() override
    {
        std::ostringstream out;
        std::ostringstream err;
        ASSERT_EQ(cli::run_demo(svc, { .weeks = 8, .key = key }, out, err), 0) << err.str();
        demo_output = out.str();
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
      *store, svc.account_id_of("meister.huber@muster-maschinenbau.de"), today);
    ASSERT_TRUE(supervisor.has_value());
    EXPECT_FALSE(supervisor->at("records").as_array().empty());
}

TEST_F(EndToEnd, ProgressCountsEqualTheTraineesRecordLists)
{
    // The company view counts from the status index; the trainee view
    // lists the records themselves: both must agree, period by period.
    std::size_t compared = 0;
    for (auto member : { "10001", "10002", "20001" }) {
        auto view = projections::company_view(*store, app::company_id_for(member), today);
        ASSERT_TRUE(view.has_value()) << view.error().message;
        for (const auto& cv : view->at("contracts").as_array()) {
            const auto& summary = cv.as_object();
            auto account = str(summary.at("traineeAccountId"));
            if (account.empty()) {
                continue;
            }
            auto trainee = projections::trainee_view(*store, account, today);
            ASSERT_TRUE(trainee.has_value()) << trainee.error().message;
            for (const auto& tc : trainee->at("contracts").as_array()) {
                const auto& contract = tc.at("contract").as_object();
                if (str(contract.at("contractId")) != str(summary.at("contractId"))) {
                    continue;
                }
                EXPECT_EQ(contract.at("progress"), summary.at("progress"))
                  << str(summary.at("contractId"));
                std::map<std::string, std::int64_t> counted;
                for (const auto& r : tc.at("records").as_array()) {
                    ++counted[str(r.at("status"))];
                }
                const auto& progress = summary.at("progress").as_object();
                for (const auto& [status, n] : counted) {
                    EXPECT_EQ(progress.at(status).as_int64(), n) << status;
                }
                EXPECT_EQ(progress.at("total").as_int64(),
                          static_cast<std::int64_t>(tc.at("records").as_array().size()));
                ++compared;
            }
        }
    }
    EXPECT_GE(compared, 5U);
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
    // Ended as of today: today is its last day, it runs until the day is
    // over (contract::is_active, as authz lets the company see results).
    auto last_day = projections::company_view(*store, company_id, today);
    ASSERT_TRUE(last_day.has_value());
    auto tomorrow = date{ std::chrono::sys_days{ today } + std::chrono::days{ 1 } };
    auto after = projections::company_view(*store, company_id, tomorrow);
    ASSERT_TRUE(after.has_value());
    for (const auto* v : { &*last_day, &*after }) {
        for (const auto& e : v->at("contracts").as_array()) {
            if (str(e.at("contractId")) == contract_with_result) {
                EXPECT_EQ(str(e.at("status")), v == &*after ? "ended" : "active");
            }
        }
        for (const auto& e : v->at("exams").as_array()) {
            if (str(e.at("contractId")) == contract_with_result) {
                EXPECT_EQ(e.as_object().contains("result"), v == &*last_day) << json::serialize(e);
            }
        }
    }
}

TEST_F(EndToEnd, TheChamberAndThePublicSeeTheirModels)
{
    auto staff = projections::staff_view(*store, today);
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

/// Secrets for process managers that react to events whose follow-ups
/// already happened (nothing is derived from them then).
app::secret_source
plain_secrets()
{
    return { [](auto, auto id) { return "t" + std::string(id); },
             [](auto, auto) { return std::string("123456"); },
             [](auto t) { return "h" + std::string(t); },
             [](auto p) { return "p" + std::string(p); } };
}

TEST_F(EndToEnd, ProcessManagersFindNothingLeftToDoInTheDemo)
{
    auto secrets = plain_secrets();
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

/// Forwards to a store and counts the writes.
class counting_store final : public infra::kv_store
{
  public:
    explicit counting_store(infra::kv_store& inner)
      : inner_(inner)
    {
    }
    std::atomic<std::size_t> writes{ 0 };

    result<std::optional<std::string>> get(std::string_view key) override
    {
        return inner_.get(key);
    }
    result<void> scan(std::string_view from,
                      std::string_view to,
                      const infra::kv_visitor& visit) override
    {
        return inner_.scan(from, to, visit);
    }
    result<void> write(const infra::write_batch& batch, std::optional<bool> sync) override
    {
        ++writes;
        return inner_.write(batch, sync);
    }
    result<void> write_unlogged(const infra::write_batch& batch) override
    {
        ++writes;
        return inner_.write_unlogged(batch);
    }
    result<void> flush() override { return inner_.flush(); }

  private:
    infra::kv_store& inner_;
};

TEST_F(EndToEnd, ProcessManagersCheckpointWhenCaughtUpAndEvery256EventsNotPerEvent)
{
    auto secrets = plain_secrets();
    auto last = log->last_position();
    ASSERT_GT(last.value, 300U);
    auto checkpoint = [&] {
        auto v = store->get("p/policies");
        return v && *v ? std::stoull(**v) : 0ULL;
    };
    auto run_until_caught_up = [&](counting_store& counted) {
        auto sub = cli::start_policies(*log, counted, svc, secrets);
        ASSERT_TRUE(sub.has_value());
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (checkpoint() != last.value && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        (*sub)->stop();
        EXPECT_FALSE((*sub)->failure().has_value());
    };
    counting_store counted(*store);
    run_until_caught_up(counted);
    // At the log's last position, having written one checkpoint per 256
    // events on the way, and reacted to nothing new (the demo's follow-ups
    // happened).
    EXPECT_EQ(checkpoint(), last.value);
    EXPECT_LE(counted.writes.load(), last.value / 256 + 1);
    EXPECT_EQ(log->last_position(), last);

    // Restarted from a trailing checkpoint: the same events again append
    // nothing, and the checkpoint comes back to the end.
    infra::write_batch back;
    back.put("p/policies", std::to_string(last.value - 300));
    ASSERT_TRUE(store->write(back));
    counting_store again(*store);
    run_until_caught_up(again);
    EXPECT_EQ(checkpoint(), last.value);
    EXPECT_LE(again.writes.load(), 2U);
    EXPECT_EQ(log->last_position(), last);
}

/// The bytes of a Data field as a string.
std::string
bytes(capnp::Data::Reader d)
{
    return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

TEST_F(EndToEnd, MailFilesCarryTheSecretsTheAccountsAccept)
{
    auto mail_dir = dir.path() / "mail";
    auto writer = cli::mail_writer::open(
      *log,
      *store,
      { mail_dir, { "https://portal.example", { "Portal", "noreply@portal.example" } }, key });
    ASSERT_TRUE(writer.has_value()) << writer.error().message;
    auto written = (*writer)->write_pending();
    ASSERT_TRUE(written.has_value()) << written.error().message;
    auto outbox = projections::outbox_entries(*store, "", 10000);
    ASSERT_EQ(*written, outbox->size());
    EXPECT_EQ(*(*writer)->write_pending(), 0U) << "a second pass writes nothing";
    // Exactly one file per mail also when the checkpoint is lost (a crash
    // between writing a file and saving the checkpoint).
    infra::write_batch forget;
    forget.erase("p/mail");
    ASSERT_TRUE(store->write(forget));
    EXPECT_EQ(*(*writer)->write_pending(), 0U);
    EXPECT_EQ(static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(mail_dir),
                                                     std::filesystem::directory_iterator())),
              outbox->size());

    // The supervisor's PIN in the mail is the one the account accepts.
    auto supervisor = svc.account_id_of("meister.huber@muster-maschinenbau.de");
    std::string pin_hash;
    std::string invitation_hash;
    auto supervisor_events = log->read_stream("account-" + supervisor);
    ASSERT_TRUE(supervisor_events.has_value());
    for (const auto& e : *supervisor_events) {
        auto env = events::envelope::decode(e.envelope_bytes);
        ASSERT_TRUE(env.has_value());
        auto p = env->reader().getPayload().getAccount();
        if (p.isPinIssued()) {
            pin_hash = domain::str(p.getPinIssued().getPinHash());
        }
    }
    ASSERT_FALSE(pin_hash.empty());
    int pins = 0;
    int invitations_checked = 0;
    auto lena = svc.account_id_of("lena.hoffmann@demo-azubi.de");
    auto lena_events = log->read_stream("account-" + lena);
    ASSERT_TRUE(lena_events.has_value());
    for (const auto& e : *lena_events) {
        auto env = events::envelope::decode(e.envelope_bytes);
        ASSERT_TRUE(env.has_value());
        auto p = env->reader().getPayload().getAccount();
        if (p.isInvitationIssued()) {
            invitation_hash = bytes(p.getInvitationIssued().getTokenHash());
        }
    }
    for (const auto& f : std::filesystem::directory_iterator(mail_dir)) {
        auto text = portal::testing::read_mail_text(f.path());
        if (auto at = text.find("PIN: "); at != std::string::npos) {
            ++pins;
            EXPECT_TRUE(infra::verify_password(pin_hash, text.substr(at + 5, 6)))
              << "PIN " << text.substr(at + 5, 6) << " hash " << pin_hash << " in " << f.path()
              << demo_output;
        }
        if (text.find("lena.hoffmann@demo-azubi.de") != std::string::npos) {
            if (auto at = text.find("activate?token="); at != std::string::npos) {
                auto start = at + std::string("activate?token=").size();
                auto end = text.find_first_of("\r\n\" <", start);
                EXPECT_EQ(infra::token_hash(text.substr(start, end - start)), invitation_hash);
                ++invitations_checked;
            }
        }
    }
    EXPECT_EQ(pins, 1);
    EXPECT_GE(invitations_checked, 1);
}

TEST_F(EndToEnd, MailFilesForgetWhatAnErasureTookFromTheOutbox)
{
    auto mail_dir = dir.path() / "mail";
    auto writer = cli::mail_writer::open(
      *log,
      *store,
      { mail_dir, { "https://portal.example", { "Portal", "noreply@portal.example" } }, key });
    ASSERT_TRUE(writer.has_value()) << writer.error().message;
    ASSERT_TRUE((*writer)->write_pending());
    auto files = [&] {
        std::map<std::string, std::string> out;
        for (const auto& f : std::filesystem::directory_iterator(mail_dir)) {
            out[f.path().stem().string()] = portal::testing::read_mail_text(f.path());
        }
        return out;
    };
    auto naming = [&](const std::string& needle) {
        std::size_t n = 0;
        for (const auto& [id, text] : files()) {
            n += text.find(needle) != std::string::npos ? 1 : 0;
        }
        return n;
    };
    // A contract with records, decisions and exam results: its trainee.
    auto company_id = app::company_id_for("10001");
    auto view = projections::company_view(*store, company_id, today);
    ASSERT_TRUE(view.has_value());
    std::string contract_id;
    std::string trainee;
    for (const auto& e : view->at("exams").as_array()) {
        if (e.as_object().contains("result")) {
            contract_id = str(e.at("contractId"));
            trainee = str(e.at("traineeName"));
        }
    }
    ASSERT_FALSE(contract_id.empty());
    ASSERT_FALSE(trainee.empty());
    auto before = files();
    ASSERT_GT(naming(trainee), 0U);
    EXPECT_EQ(*(*writer)->forget_erased(), 0U) << "nothing erased yet";

    domain::command_meta staff;
    staff.actor = { svc.account_id_of("sachbearbeitung@ihk-demo.de"), events::role::staff, "" };
    staff.now = now();
    staff.command_id = "end-erase-1";
    ASSERT_TRUE(app::end_contract(
      svc, staff, contract_id, { "2026-01-31", schema::EndReason::TERMINATED, "" }));
    staff.command_id = "erase-1";
    ASSERT_TRUE(app::erase_contract_personal_data(
      svc, staff, contract_id, { "Aufbewahrungsfrist abgelaufen" }));
    caught_up();
    auto changed = (*writer)->forget_erased();
    ASSERT_TRUE(changed.has_value()) << changed.error().message;
    EXPECT_GT(*changed, 0U);
    EXPECT_EQ(naming(trainee), 0U) << "no file names the trainee any more";
    // Exactly the outbox's entries have files: the removed ones' are gone,
    // the rewritten ones' are there with the entry as it is now.
    auto after = files();
    auto entries = projections::outbox_entries(*store, "", 10000);
    ASSERT_TRUE(entries);
    std::set<std::string> expected;
    for (const auto& e : *entries) {
        expected.insert(cli::outbox_mail_id(str(e.at("id"))));
    }
    std::set<std::string> present;
    std::size_t rewritten = 0;
    for (const auto& [id, text] : after) {
        present.insert(id);
        rewritten += before.contains(id) && before.at(id) != text ? 1 : 0;
    }
    EXPECT_EQ(present, expected);
    EXPECT_LT(after.size(), before.size()) << "mails to her contract's address are gone";
    EXPECT_GT(rewritten, 0U) << "mails that keep their recipient lose her name";
    EXPECT_EQ(*(*writer)->forget_erased(), 0U) << "each note once";
    EXPECT_EQ(*(*writer)->write_pending(), 0U) << "no file comes back";
}

TEST_F(EndToEnd, AnErasedMailThatCannotBeRenderedAgainLosesItsFile)
{
    auto mail_dir = dir.path() / "mail";
    auto writer = cli::mail_writer::open(
      *log,
      *store,
      { mail_dir, { "https://portal.example", { "Portal", "noreply@portal.example" } }, key });
    ASSERT_TRUE(writer.has_value()) << writer.error().message;
    // A rewritten entry whose event this log does not have (a damaged
    // model): its file must not keep the erased data.
    const std::string id = "7fffffffffffffff/00";
    json::object entry{ { "id", id },
                        { "position", 0x7fffffffffffffffULL },
                        { "kind", "record_approved" },
                        { "recipient", "a@example.org" },
                        { "subject", "x" },
                        { "body", "x" } };
    infra::write_batch batch;
    batch.put(projections::model_prefix(projections::k_outbox) + "mail/" + id,
              json::serialize(entry));
    batch.put(projections::model_prefix(projections::k_outbox) + "erased/7fffffffffffffff/" + id,
              projections::k_mail_rewritten);
    ASSERT_TRUE(store->write(batch));
    auto file = mail_dir / (cli::outbox_mail_id(id) + ".eml");
    std::ofstream(file) << "Subject: Ausbildungsnachweis von Lena Hoffmann\r\n";
    ASSERT_TRUE(std::filesystem::exists(file));

    auto changed = (*writer)->forget_erased();
    ASSERT_TRUE(changed.has_value()) << changed.error().message;
    EXPECT_EQ(*changed, 1U);
    EXPECT_FALSE(std::filesystem::exists(file));
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

TEST_F(EndToEnd, EveryDemoStateComesBackFromItsSnapshot)
{
    std::set<std::string> streams;
    auto all = log->read_all({}, SIZE_MAX);
    ASSERT_TRUE(all.has_value());
    for (const auto& e : *all) {
        streams.insert(e.stream);
    }
    std::set<std::string> kinds;
    for (const auto& s : streams) {
        auto kind = gateway::stream_kind(s);
        ASSERT_TRUE(kind.has_value()) << s;
        kinds.emplace(*kind);
    }
    for (auto kind : { "account", "company", "contract", "document", "report", "exam" }) {
        EXPECT_TRUE(kinds.contains(kind)) << kind;
    }

    // Snapshot every stream, as a process does after each event.
    auto writer = infra::make_caching_log(*log, 16, { .store = store.get(), .interval = 1 });
    for (const auto& s : streams) {
        gateway::with_state_type(*gateway::stream_kind(s), [&]<class State>() {
            ASSERT_TRUE(domain::load<State>(*writer, s).has_value()) << s;
        });
    }
    EXPECT_EQ(writer->stats().snapshots_written, streams.size());

    // A restarted process folds every state from its snapshot alone, and
    // gets what a fold from the first event gives.
    auto restarted = infra::make_caching_log(*log, 16, { .store = store.get(), .interval = 1 });
    for (const auto& s : streams) {
        gateway::with_state_type(*gateway::stream_kind(s), [&]<class State>() {
            auto direct = domain::load<State>(*log, s);
            auto from_snapshot = domain::load<State>(*restarted, s);
            ASSERT_TRUE(direct.has_value() && from_snapshot.has_value()) << s;
            EXPECT_EQ(from_snapshot->version, direct->version) << s;
            EXPECT_EQ(gateway::to_json(from_snapshot->state), gateway::to_json(direct->state)) << s;
            EXPECT_EQ(domain::snapshot::encode(from_snapshot->state),
                      domain::snapshot::encode(direct->state))
              << s;
        });
    }
    EXPECT_EQ(restarted->stats().snapshots_read, streams.size());
}

TEST_F(EndToEnd, TheDemoModelsAreTheBytesOfApplyingEachEventThroughThePlainBatch)
{
    // The runners keep a batch's documents parsed, read envelopes in place
    // and build the audit trail's change from the reader. The reference
    // applies one event at a time through the plain batch and reader
    // (documents serialized when put, parsed when read) on fully validated
    // envelopes and commits after each; the change must be what the codec
    // renders.
    auto reference = infra::open_kv_store({ .dir = dir.path() / "read-reference" });
    ASSERT_TRUE(reference);
    events::position after{ 0 };
    std::size_t seen = 0;
    for (;;) {
        auto page = log->read_all(after, 1024);
        ASSERT_TRUE(page);
        if (page->empty()) {
            break;
        }
        for (const auto& e : *page) {
            auto env = events::envelope::decode(e.envelope_bytes);
            ASSERT_TRUE(env) << env.error().message;
            auto payload = env->reader().getPayload();
            boost::system::error_code ec;
            auto rendered = json::parse(events::to_json(payload), ec);
            ASSERT_FALSE(ec);
            EXPECT_EQ(json::serialize(projections::event_json(payload)), json::serialize(rendered))
              << "position " << e.position.value;
            for (auto& p : projectors) {
                infra::write_batch pending;
                projections::write_batch batch(pending, p->name());
                projections::reader model(**reference, p->name(), &pending);
                auto applied = p->apply(e, env->reader(), batch, model);
                ASSERT_TRUE(applied) << p->name() << ": " << applied.error().message;
                ASSERT_TRUE((*reference)->write(pending));
            }
            ++seen;
        }
        after = page->back().position;
    }
    ASSERT_EQ(seen, log->last_position().value);
    caught_up();
    auto dump = [](infra::kv_store& s) {
        std::map<std::string, std::string> out;
        EXPECT_TRUE(s.scan_prefix("m/", [&](std::string_view k, std::string_view v) {
            out.emplace(std::string(k), std::string(v));
            return true;
        }));
        return out;
    };
    auto expected = dump(**reference);
    EXPECT_GT(expected.size(), 100u);
    EXPECT_EQ(dump(*store), expected);
}

} // namespace
