#pragma once

/// The running portal, assembled from its parts: the embedded event log, the
/// read models with their runners, the process managers, the mail files,
/// the HTTP API and its server. `portal serve` runs one `instance`; the
/// gateway tests run the same one in-process (with a test clock and the
/// minimum password cost) and talk to it over real sockets.

#include "app/app.hpp"
#include "app/policies.hpp"
#include "http/api.hpp"
#include "http/server.hpp"
#include "mail_dispatcher.hpp"
#include "mail_writer.hpp"
#include "portal/events/event_log.hpp"
#include "portal/infra/kafka_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/infra/secrets.hpp"
#include "portal/projections/runner.hpp"
#include "reminder_scheduler.hpp"

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace portal::cli {

/// How many aggregate states the command path keeps folded in memory.
inline constexpr std::size_t k_cached_states = 100'000;

/// Runners of every read model, started on `log` and `store`.
struct read_side
{
    std::vector<std::unique_ptr<projections::projector>> projectors;
    std::vector<std::unique_ptr<projections::runner>> runners;

    ~read_side();
};

/// Starts the runners of every read model (or only of `only`). Errors:
/// `cli.unknown_projection`, storage errors.
result<std::unique_ptr<read_side>> start_read_side(events::event_log& log,
                                                   infra::kv_store& store,
                                                   std::string_view only = {});

/// Derived secrets from the data directory's key (see app/policies.hpp);
/// PINs are hashed with `pin_cost`.
app::secret_source make_secret_source(std::string key, infra::password_cost pin_cost);

/// The services of the application layer on an open log.
app::services make_services(events::event_log& log, std::string key);

/// Runs the process managers on every event after their checkpoint
/// (`p/policies` in the store, written when they reach the log's last
/// position and every 256 events on the way). Follow-up commands are
/// idempotent, so the checkpoint may trail. `log`, `store` and `services`
/// must outlive the subscription.
result<std::unique_ptr<events::subscription>> start_policies(events::event_log& log,
                                                             infra::kv_store& store,
                                                             const app::services& services,
                                                             app::secret_source secrets,
                                                             std::function<timestamp()> clock = {});

/// Creates an activated chamber staff account for `login` with `password`
/// (the console operator bootstraps the first one; tests use it too).
/// Returns the account id. Errors: the aggregate's
/// (`account.already_exists`), `secrets.unavailable`, the log's.
result<std::string> create_staff_account(const app::services& services,
                                         std::string_view login,
                                         std::string_view name,
                                         std::string_view password,
                                         infra::password_cost cost,
                                         timestamp now);

/// Writes the outbox's mails as files every half second until destroyed,
/// and applies erasures to the files written (`mail_writer::forget_erased`).
/// With `write_new` false (mails go over SMTP, files of an earlier run
/// remain) it only applies erasures.
class mail_files
{
  public:
    explicit mail_files(std::unique_ptr<mail_writer> writer, bool write_new = true);
    ~mail_files();

  private:
    void run();

    std::unique_ptr<mail_writer> writer_;
    bool write_new_ = true;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

/// What an instance runs on.
struct instance_options
{
    std::filesystem::path data_dir;
    /// Sync the log's WAL before acknowledging a command.
    bool sync = true;
    std::string public_url = "http://127.0.0.1:8080";
    std::string mail_from = "noreply@ausbildungsportal.example";
    gateway::api_options api;
    gateway::server_options server;
    /// The clock of commands and process managers (system clock if empty).
    std::function<timestamp()> clock;
    /// Run the daily reminder scheduler: off unless asked for (the gateway
    /// tests run without it); `portal serve` asks unless `--no-reminders`.
    bool reminders = false;
    /// Its hour, approver days and check interval; the days also apply to
    /// runs by hand (`POST /api/v1/reminders/run`).
    gateway::reminder_options reminder;
    /// Deliver mails over SMTP (mail_dispatcher.hpp) when set; otherwise
    /// they are written as `.eml` files under `<data-dir>/mail/`.
    std::optional<infra::smtp_options> smtp;
    /// Retries of SMTP delivery.
    mail_retry_policy mail_retry;
    /// Run on the Kafka log (infra/kafka_log.hpp) instead of the embedded
    /// one: the instance joins the command processors' group (group
    /// ownership is forced on); its mirror lives in `<data-dir>/kafka-log`
    /// unless `mirror_dir` is set. The read models stay in
    /// `<data-dir>/read`.
    std::optional<infra::kafka_log_options> kafka;
};

/// A running portal: log, read models, process managers, mail files, the
/// reminder scheduler, API, HTTP server. Destruction stops it gracefully
/// (server first).
class instance
{
  public:
    /// Opens the data directory (creating it) and starts everything.
    /// Errors: the log's and store's open errors (`log.locked`,
    /// `log.newer_format`, `kv.locked`, ...), `server.bind`.
    static result<std::unique_ptr<instance>> start(instance_options options);

    ~instance();

    /// The HTTP port.
    unsigned short port() const;
    gateway::api& api() { return *api_; }
    events::event_log& log() { return *log_; }
    /// The Kafka log when the instance runs on Kafka, else null.
    infra::kafka_log* kafka() { return kafka_; }
    infra::kv_store& store() { return *store_; }
    const app::services& services() const { return *services_; }
    /// The reminder scheduler (null with `reminders` off).
    gateway::reminder_scheduler* reminders() { return reminders_.get(); }

    /// Stops the HTTP server gracefully (in-flight requests finish), then
    /// everything else. Idempotent.
    void stop();

  private:
    instance() = default;

    std::unique_ptr<events::event_log> log_;
    infra::kafka_log* kafka_ = nullptr;
    std::unique_ptr<infra::kv_store> store_;
    std::unique_ptr<read_side> side_;
    std::unique_ptr<events::event_log> cached_;
    std::unique_ptr<app::services> services_;
    std::unique_ptr<events::subscription> policies_;
    std::unique_ptr<mail_files> mails_;
    std::unique_ptr<mail_delivery> deliveries_;
    std::unique_ptr<gateway::reminder_scheduler> reminders_;
    std::unique_ptr<gateway::api> api_;
    std::unique_ptr<gateway::server> server_;
};

} // namespace portal::cli
