#include "runtime.hpp"

#include "app/accounts.hpp"
#include "portal/events/partition.hpp"
#include "portal/infra/caching_log.hpp"
#include "portal/infra/crypto.hpp"
#include "portal/infra/embedded_log.hpp"
#include "portal/infra/kafka_log.hpp"
#include "portal/infra/secrets.hpp"
#include "portal/projections/read_models.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace portal::cli {

namespace {

/// The key of the process managers' checkpoint in the read-model store.
constexpr std::string_view k_policies_checkpoint = "p/policies";
/// The process managers' checkpoint is written when they reached the log's
/// last position and else every this many events (not per event: one
/// read-model write per event was 3 % of the CPU of `portal serve` under
/// concurrent writes). Follow-ups are idempotent, so a restart reacts to at
/// most this many events again and appends nothing twice.
constexpr std::uint64_t k_policies_checkpoint_every = 256;

} // namespace

/// Runners of every read model, started on `log` and `store`.
read_side::~read_side()
{
    for (auto& r : runners) {
        r->stop();
    }
}

result<std::unique_ptr<read_side>>
start_read_side(events::event_log& log, infra::kv_store& store, std::string_view only)
{
    auto side = std::make_unique<read_side>();
    for (auto& p : projections::all_projectors()) {
        if (!only.empty() && p->name() != only) {
            continue;
        }
        side->projectors.push_back(std::move(p));
    }
    if (!only.empty() && side->projectors.empty()) {
        return fail(
          error::not_found("cli.unknown_projection", fmt::format("no read model named {}", only)));
    }
    for (auto& p : side->projectors) {
        auto r = projections::runner::start(log, store, *p);
        if (!r) {
            return fail(r.error());
        }
        side->runners.push_back(std::move(*r));
    }
    return side;
}

/// Derived secrets from the data directory's key (see app/policies.hpp).
app::secret_source
make_secret_source(std::string key, infra::password_cost pin_cost)
{
    return app::secret_source{ [key](std::string_view purpose, std::string_view seed) {
                                  return infra::derive_token(key, purpose, seed);
                              },
                               [key](std::string_view purpose, std::string_view seed) {
                                   return infra::derive_pin(key, purpose, seed);
                               },
                               [](std::string_view token) { return infra::token_hash(token); },
                               [pin_cost](std::string_view pin) {
                                   auto hash = infra::hash_password(pin, pin_cost);
                                   return hash ? *hash : std::string{};
                               } };
}

/// Runs the process managers on every event after their checkpoint.
/// Follow-up commands are idempotent, so the checkpoint may trail.
result<std::unique_ptr<events::subscription>>
start_policies(events::event_log& log,
               infra::kv_store& store,
               const app::services& services,
               app::secret_source secrets,
               std::function<timestamp()> clock)
{
    events::position after;
    auto saved = store.get(k_policies_checkpoint);
    if (!saved) {
        return fail(saved.error());
    }
    if (*saved) {
        after = events::position{ std::stoull(**saved) };
    }
    return log.subscribe(
      after,
      [&log,
       &store,
       &services,
       secrets = std::move(secrets),
       clock = std::move(clock),
       saved = after.value](const events::recorded_event& e) mutable -> result<void> {
          auto now = clock ? clock()
                           : std::chrono::time_point_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now());
          auto reacted = app::react(services, secrets, e, now);
          if (!reacted) {
              if (reacted.error().cls == error_class::unavailable) {
                  spdlog::error("process managers stop at position {}: {}",
                                e.position.value,
                                reacted.error().message);
                  return fail(reacted.error());
              }
              spdlog::warn("process managers: the follow-up of position {} ({}) was refused: {} "
                           "({})",
                           e.position.value,
                           e.stream,
                           reacted.error().message,
                           reacted.error().code);
          }
          if (e.position.value - saved < k_policies_checkpoint_every &&
              e.position != log.last_position()) {
              return {};
          }
          infra::write_batch batch;
          batch.put(k_policies_checkpoint, std::to_string(e.position.value));
          if (auto written = store.write(batch); !written) {
              return written;
          }
          saved = e.position.value;
          return {};
      });
}

mail_files::mail_files(std::unique_ptr<mail_writer> writer, bool write_new)
  : writer_(std::move(writer))
  , write_new_(write_new)
  , thread_([this] { run(); })
{
}

mail_files::~mail_files()
{
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void
mail_files::run()
{
    auto keep_going = [this] {
        std::lock_guard guard(mu_);
        return !stopping_;
    };
    std::unique_lock lock(mu_);
    while (!stopping_) {
        lock.unlock();
        if (write_new_) {
            auto written = writer_->write_pending(keep_going);
            if (!written) {
                spdlog::warn("mail files: {} ({})", written.error().message, written.error().code);
            }
        }
        if (auto forgotten = writer_->forget_erased(keep_going); !forgotten) {
            spdlog::warn("mail files: erasures not applied yet: {} ({})",
                         forgotten.error().message,
                         forgotten.error().code);
        }
        lock.lock();
        cv_.wait_for(lock, std::chrono::milliseconds(500), [&] { return stopping_; });
    }
    // Pending mails are not written on the way out: their checkpoint is
    // saved per mail, so the next start writes them (a stop stays quick).
}

/// The services of the application layer on an open log.
app::services
make_services(events::event_log& log, std::string key)
{
    return app::services{ log, [key = std::move(key)](std::string_view email) {
                             return infra::login_account_id(email, key);
                         } };
}

result<std::string>
create_staff_account(const app::services& services,
                     std::string_view login,
                     std::string_view name,
                     std::string_view password,
                     infra::password_cost cost,
                     timestamp now)
{
    auto hash = infra::hash_password(password, cost);
    if (!hash) {
        return fail(hash.error());
    }
    domain::principal operator_actor{ "operator", events::role::staff, "" };
    // Active at once with the operator's password: no invitation (and so no
    // invitation mail whose link nobody could use).
    domain::account::create create;
    create.email = login;
    create.name = name;
    create.role = { events::role::staff, "", "" };
    create.password_hash = *hash;
    domain::command_meta meta;
    meta.actor = operator_actor;
    meta.now = now;
    meta.command_id = "staff-add-" + infra::to_string(infra::uuid_v7(now));
    auto created = app::create_account(services, meta, create);
    if (!created) {
        return fail(created.error());
    }
    auto id = services.account_id_of(login);
    return id;
}

result<std::unique_ptr<instance>>
instance::start(instance_options options)
{
    std::unique_ptr<instance> self(new instance());
    if (options.kafka) {
        auto kafka = std::move(*options.kafka);
        // Instances on one cluster must share the key: the log refuses to
        // open with another one (only a keyed hash of it leaves the machine).
        auto kafka_key = infra::load_or_create_key(options.data_dir / "secret.key");
        if (!kafka_key) {
            return fail(kafka_key.error());
        }
        kafka.key_fingerprint = infra::key_fingerprint(*kafka_key);
        if (kafka.mirror_dir.empty()) {
            kafka.mirror_dir = options.data_dir / "kafka-log";
        }
        kafka.sync = options.sync;
        kafka.group_ownership = true;
        auto log = infra::open_kafka_log(std::move(kafka));
        if (!log) {
            return fail(log.error());
        }
        self->kafka_ = log->get();
        self->log_ = std::move(*log);
    } else {
        auto log =
          infra::open_embedded_log({ .dir = options.data_dir / "log", .sync = options.sync });
        if (!log) {
            return fail(log.error());
        }
        self->log_ = std::move(*log);
    }
    auto store = infra::open_kv_store({ .dir = options.data_dir / "read" });
    if (!store) {
        return fail(store.error());
    }
    self->store_ = std::move(*store);
    auto side = start_read_side(*self->log_, *self->store_);
    if (!side) {
        return fail(side.error());
    }
    self->side_ = std::move(*side);
    auto key = infra::load_or_create_key(options.data_dir / "secret.key");
    if (!key) {
        return fail(key.error());
    }
    // The command path folds states through a bounded cache, backed by
    // snapshots kept beside the read models.
    self->cached_ =
      infra::make_caching_log(*self->log_, k_cached_states, { .store = self->store_.get() });
    self->services_ = std::make_unique<app::services>(make_services(*self->cached_, *key));
    auto secrets = make_secret_source(*key, options.api.password_cost);
    auto policies =
      start_policies(*self->log_, *self->store_, *self->services_, secrets, options.clock);
    if (!policies) {
        return fail(policies.error());
    }
    self->policies_ = std::move(*policies);
    infra::mail_settings mail{ options.public_url, { "Ausbildungsportal", options.mail_from } };
    std::unique_ptr<mail_dispatcher> dispatcher;
    if (options.smtp) {
        auto sender = infra::open_smtp_sender(*options.smtp);
        if (!sender) {
            return fail(sender.error());
        }
        mail_dispatcher_options dispatch{ mail, *key, options.mail_retry, {}, {} };
        // Outcomes go to the log; in Kafka mode only the instance that writes
        // the partition of a mail's event sends it.
        dispatch.services = self->services_.get();
        if (auto* kafka = self->kafka_) {
            dispatch.owns = [kafka](events::position p,
                                    std::string_view partition_key) -> result<bool> {
                auto at = kafka->offset_of(p);
                if (!at) {
                    return fail(at.error());
                }
                std::uint32_t partition = 0;
                if (*at) {
                    partition = (*at)->partition;
                } else {
                    // Mirrored before offsets were recorded: by its key.
                    auto partitions = kafka->partition_offsets().size();
                    if (partitions == 0) {
                        return false;
                    }
                    partition =
                      events::partition_for(partition_key, static_cast<std::uint32_t>(partitions));
                }
                auto owned = kafka->owned_partitions();
                return std::binary_search(owned.begin(), owned.end(), partition);
            };
        }
        auto opened = mail_dispatcher::open(
          *self->log_, *self->store_, std::move(*sender), std::move(dispatch));
        if (!opened) {
            return fail(opened.error());
        }
        dispatcher = std::move(*opened);
        // Mail files of an earlier run without SMTP: erasures still reach them.
        std::error_code ec;
        if (std::filesystem::is_directory(options.data_dir / "mail", ec)) {
            auto writer = mail_writer::open(
              *self->log_, *self->store_, { options.data_dir / "mail", mail, *key });
            if (!writer) {
                return fail(writer.error());
            }
            self->mails_ = std::make_unique<mail_files>(std::move(*writer), false);
        }
    } else {
        auto writer =
          mail_writer::open(*self->log_, *self->store_, { options.data_dir / "mail", mail, *key });
        if (!writer) {
            return fail(writer.error());
        }
        self->mails_ = std::make_unique<mail_files>(std::move(*writer));
    }
    std::vector<const projections::runner*> runners;
    const projections::runner* training = nullptr;
    for (const auto& r : self->side_->runners) {
        runners.push_back(r.get());
        if (r->name() == projections::k_training) {
            training = r.get();
        }
    }
    const projections::sessions_projector* sessions = nullptr;
    for (const auto& p : self->side_->projectors) {
        if (p->name() == projections::k_sessions) {
            sessions = dynamic_cast<const projections::sessions_projector*>(p.get());
        }
    }
    options.api.approver_reminder_days = options.reminder.days_before_approver_reminder;
    if (options.reminders) {
        self->reminders_ = std::make_unique<gateway::reminder_scheduler>(
          *self->services_, *self->store_, training, options.reminder, options.clock);
        self->reminders_->start();
    }
    self->api_ = std::make_unique<gateway::api>(*self->services_,
                                                *self->log_,
                                                *self->store_,
                                                std::move(runners),
                                                std::move(secrets),
                                                options.api,
                                                options.clock,
                                                self->kafka_,
                                                sessions);
    if (dispatcher) {
        // Started after the API: its results count in the API's metrics.
        dispatcher->on_result([api = self->api_.get()](std::string_view result) {
            api->stats().count_mail_delivery(result);
        });
        self->deliveries_ = std::make_unique<mail_delivery>(std::move(dispatcher));
    }
    auto server = gateway::server::start(*self->api_, options.server);
    if (!server) {
        return fail(server.error());
    }
    self->server_ = std::move(*server);
    return self;
}

unsigned short
instance::port() const
{
    return server_ ? server_->port() : 0;
}

void
instance::stop()
{
    if (server_) {
        server_->stop();
        server_.reset();
    }
    reminders_.reset();
    if (policies_) {
        policies_->stop();
        policies_.reset();
    }
    mails_.reset();
    deliveries_.reset();
    side_.reset();
    api_.reset();
    store_.reset();
    services_.reset();
    cached_.reset();
    kafka_ = nullptr;
    log_.reset();
}

instance::~instance()
{
    stop();
}

} // namespace portal::cli
