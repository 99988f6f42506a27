#include "cli.hpp"

#include "app/accounts.hpp"
#include "app/policies.hpp"
#include "demo.hpp"
#include "mail_writer.hpp"
#include "portal/events/message.hpp"
#include "portal/infra/caching_log.hpp"
#include "portal/infra/crypto.hpp"
#include "portal/infra/embedded_log.hpp"
#include "portal/infra/kafka_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/infra/logging.hpp"
#include "portal/infra/secrets.hpp"
#include "portal/infra/verify.hpp"
#include "portal/projections/read_models.hpp"
#include "portal/projections/runner.hpp"
#include "runtime.hpp"
#include "state_json.hpp"

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <pthread.h>
#include <unistd.h>

#include <array>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <ostream>
#include <thread>

namespace po = boost::program_options;

namespace portal::cli {

namespace {

constexpr int k_ok = 0;
constexpr int k_found = 1;
constexpr int k_usage = 2;
constexpr int k_data_dir = 3;

const char* const k_usage_text =
  R"(Usage: portal <command> [options]

Commands:
  serve     run the portal (embedded event log, or Kafka with --kafka)
  verify    recompute every hash chain of the event log
  replay    rebuild read models from the event log
  export    print events as JSON lines
  history   print the events of one stream and its state as of a time (auditor view)
  demo      seed realistic demo data into an empty data directory
  staff     `staff add --login EMAIL`: create a chamber staff account
            (password on standard input)
  version   print the version

Common options:
  --data-dir DIR   the data directory (default: ./data, env PORTAL_DATA_DIR)
  --log-level L    trace, debug, info, warn, error (default: info)
  --log-json       log as JSON lines

Run `portal <command> --help` for the options of a command.
)";

struct common_options
{
    std::string data_dir;
    std::string log_level = "info";
    bool log_json = false;
};

po::options_description
common_description(common_options& c)
{
    po::options_description d("Common options");
    const char* env_dir = std::getenv("PORTAL_DATA_DIR");
    d.add_options()("help,h", "show this help")(
      "data-dir",
      po::value(&c.data_dir)->default_value(env_dir != nullptr ? env_dir : "data"),
      "data directory")("log-level", po::value(&c.log_level)->default_value("info"), "log level")(
      "log-json", po::bool_switch(&c.log_json), "log as JSON lines");
    return d;
}

/// Parses `args` into `vm`; returns an exit code when the command should
/// stop (help shown or a usage error), nullopt to go on.
std::optional<int>
parse(const std::vector<std::string>& args,
      const po::options_description& description,
      const po::positional_options_description& positional,
      po::variables_map& vm,
      std::ostream& out,
      std::ostream& err,
      const std::string& usage)
{
    try {
        po::store(po::command_line_parser(args).options(description).positional(positional).run(),
                  vm);
        if (vm.count("help") != 0) {
            out << usage << "\n" << description << "\n";
            return k_ok;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        err << "portal: " << e.what() << "\n" << usage << "\n";
        return k_usage;
    }
    return std::nullopt;
}

std::filesystem::path
log_dir(const common_options& c)
{
    return std::filesystem::path(c.data_dir) / "log";
}

result<std::unique_ptr<events::event_log>>
open_log(const common_options& c, bool sync, bool create)
{
    if (!create && !std::filesystem::exists(log_dir(c))) {
        return fail(
          error::not_found("cli.no_data_dir",
                           fmt::format("no event log in data directory {} (run `portal serve "
                                       "--data-dir {}` or `portal demo` first)",
                                       c.data_dir,
                                       c.data_dir)));
    }
    return infra::open_embedded_log({ .dir = log_dir(c), .sync = sync });
}

int
report_open_failure(const error& e, std::ostream& err)
{
    err << "portal: " << e.message << "\n";
    return k_data_dir;
}

/// A JSON line for one event: position, name, stream, version, envelope.
std::string
event_line(const events::recorded_event& e)
{
    auto env = events::envelope::decode(e.envelope_bytes);
    if (!env) {
        return fmt::format(
          R"({{"position":{},"stream":"{}","error":"undecodable"}})", e.position.value, e.stream);
    }
    return fmt::format(R"({{"position":{},"name":"{}","envelope":{}}})",
                       e.position.value,
                       events::event_name(env->reader().getPayload()),
                       events::to_json(env->reader()));
}

result<std::unique_ptr<infra::kv_store>>
open_read_models(const common_options& c)
{
    return infra::open_kv_store({ .dir = std::filesystem::path(c.data_dir) / "read" });
}

int
cmd_replay(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    common_options c;
    std::string only;
    auto d = common_description(c);
    d.add_options()("projection",
                    po::value(&only),
                    "rebuild only this read model (training, exams, report_audit, "
                    "account_security, public_listing, outbox, sessions); without it, "
                    "every read model is rebuilt and the aggregate snapshots are dropped");
    po::variables_map vm;
    if (auto code =
          parse(args, d, {}, vm, out, err, "Usage: portal replay [--projection NAME] [options]")) {
        return *code;
    }
    infra::init_logging(c.log_level, c.log_json);
    auto log = open_log(c, true, false);
    if (!log) {
        return report_open_failure(log.error(), err);
    }
    auto store = open_read_models(c);
    if (!store) {
        return report_open_failure(store.error(), err);
    }
    for (auto& p : projections::all_projectors()) {
        if (only.empty() || p->name() == only) {
            auto reset = projections::reset_projection(**store, p->name());
            if (!reset) {
                return report_open_failure(reset.error(), err);
            }
        }
    }
    if (only.empty()) {
        // A full rebuild is what follows a change of the folding code: the
        // aggregate snapshots go too (they are caches, rebuilt on demand).
        infra::write_batch drop;
        drop.erase_prefix(infra::k_snapshot_prefix);
        if (auto dropped = (*store)->write(drop, true); !dropped) {
            return report_open_failure(dropped.error(), err);
        }
    }
    auto started = std::chrono::steady_clock::now();
    auto side = start_read_side(**log, **store, only);
    if (!side) {
        err << "portal: " << side.error().message << "\n";
        return k_usage;
    }
    auto head = (*log)->last_position();
    for (auto& r : (*side)->runners) {
        auto done = r->wait_for(head, std::chrono::hours{ 1 });
        if (!done) {
            err << "portal: read model " << r->name() << ": " << done.error().message << "\n";
            return k_found;
        }
    }
    auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    out << fmt::format("rebuilt {} read model(s) from {} events in {:.2f} s ({:.0f} events/s "
                       "per model)\n",
                       (*side)->runners.size(),
                       head.value,
                       seconds,
                       seconds > 0 ? static_cast<double>(head.value) / seconds : 0.0);
    return k_ok;
}

result<std::string>
data_key(const common_options& c)
{
    return infra::load_or_create_key(std::filesystem::path(c.data_dir) / "secret.key");
}

int
cmd_demo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    common_options c;
    demo_options options;
    auto d = common_description(c);
    d.add_options()("weeks",
                    po::value(&options.weeks)->default_value(52),
                    "weeks of training records per trainee (1..104)");
    po::variables_map vm;
    if (auto code = parse(args, d, {}, vm, out, err, "Usage: portal demo [options]")) {
        return *code;
    }
    if (options.weeks < 1 || options.weeks > 104) {
        err << "portal: --weeks must be between 1 and 104\n";
        return k_usage;
    }
    infra::init_logging(c.log_level, c.log_json);
    // Seeding is a bulk load: no WAL sync per append; RocksDB writes
    // everything out when the log closes.
    auto log = open_log(c, false, true);
    if (!log) {
        return report_open_failure(log.error(), err);
    }
    if ((*log)->last_position().value != 0) {
        err << "portal: the data directory " << c.data_dir
            << " already holds events; demo data goes into an empty one\n";
        return k_data_dir;
    }
    auto key = data_key(c);
    if (!key) {
        return report_open_failure(key.error(), err);
    }
    auto cached = infra::make_caching_log(**log, k_cached_states);
    auto services = make_services(*cached, *key);
    options.key = *key;
    return run_demo(services, options, out, err);
}

/// The flags of the Kafka event log (`serve`, `staff add`).
struct kafka_flags
{
    std::string brokers;
    std::string instance;
    std::string prefix = "portal";
    unsigned partitions = 12;
    unsigned session_ms = 10'000;
    unsigned groups_in_flight = 1;
};

void
add_kafka_options(po::options_description& d, kafka_flags& k)
{
    d.add_options()("kafka",
                    po::value(&k.brokers),
                    "run on the Kafka event log at these bootstrap servers (host:port,...) "
                    "instead of the embedded one; any number of instances may share it (they "
                    "need the same secret.key in their data directories; one with another key "
                    "refuses to start)")(
      "instance",
      po::value(&k.instance),
      "this instance's name on Kafka, unique in the cluster (default: host name and port)")(
      "kafka-prefix",
      po::value(&k.prefix)->default_value("portal"),
      "topic prefix: <prefix>.events, <prefix>.commands, <prefix>.command-results, "
      "<prefix>.meta")("kafka-partitions",
                       po::value(&k.partitions)->default_value(12),
                       "partitions of the topics (created with it; existing topics must have it)")(
      "kafka-session-timeout-ms",
      po::value(&k.session_ms)->default_value(10'000),
      "how long a silent instance keeps its partitions before the others take them over")(
      "kafka-groups-in-flight",
      po::value(&k.groups_in_flight)->default_value(1),
      "transactions a partition's writer commits before the first is back in the mirror "
      "(1-16; above 1 the next group does not wait for the mirror: worth it where the broker "
      "and this instance have CPU to spare)");
}

/// The Kafka log's options from the flags (the instance name defaults to
/// the host name and `suffix`); nullopt after printing a usage error.
std::optional<infra::kafka_log_options>
kafka_options(const kafka_flags& k, std::string_view suffix, std::ostream& err)
{
    if (k.partitions == 0 || k.prefix.empty() || k.session_ms < 1000 || k.groups_in_flight == 0 ||
        k.groups_in_flight > 16) {
        err << "portal: --kafka-partitions must be > 0, --kafka-prefix not empty, "
               "--kafka-session-timeout-ms at least 1000, --kafka-groups-in-flight 1-16\n";
        return std::nullopt;
    }
    infra::kafka_log_options o;
    o.brokers = k.brokers;
    o.topic_prefix = k.prefix;
    o.partitions = k.partitions;
    o.instance = k.instance;
    if (o.instance.empty()) {
        std::array<char, 256> host{};
        gethostname(host.data(), host.size() - 1);
        o.instance = fmt::format("{}-{}", host.data(), suffix);
    }
    o.session_timeout = std::chrono::milliseconds(k.session_ms);
    o.max_groups_in_flight = k.groups_in_flight;
    o.group_ownership = true;
    return o;
}

int
cmd_staff(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    common_options c;
    std::string action;
    std::string login;
    std::string name;
    kafka_flags kafka;
    auto d = common_description(c);
    add_kafka_options(d, kafka);
    d.add_options()("action", po::value(&action)->required(), "add")(
      "login", po::value(&login)->required(), "the e-mail address that is the login")(
      "name", po::value(&name)->default_value("IHK-Sachbearbeitung"), "display name");
    po::positional_options_description p;
    p.add("action", 1);
    po::variables_map vm;
    const std::string usage =
      "Usage: portal staff add --login EMAIL [--name NAME] [options] < password";
    if (auto code = parse(args, d, p, vm, out, err, usage)) {
        return *code;
    }
    if (action != "add") {
        err << "portal: unknown staff action '" << action << "'\n" << usage << "\n";
        return k_usage;
    }
    std::string password;
    std::getline(std::cin, password);
    if (password.size() < 10) {
        err << "portal: the password (standard input) needs at least 10 characters\n";
        return k_usage;
    }
    infra::init_logging(c.log_level, c.log_json);
    result<std::unique_ptr<events::event_log>> log;
    if (!kafka.brokers.empty()) {
        auto o = kafka_options(kafka, fmt::format("staff-{}", getpid()), err);
        if (!o) {
            return k_usage;
        }
        o->mirror_dir = std::filesystem::path(c.data_dir) / "kafka-log";
        auto kafka_key = data_key(c);
        if (!kafka_key) {
            return report_open_failure(kafka_key.error(), err);
        }
        o->key_fingerprint = infra::key_fingerprint(*kafka_key);
        auto opened = infra::open_kafka_log(std::move(*o));
        if (opened) {
            log = std::unique_ptr<events::event_log>(std::move(*opened));
        } else {
            log = fail(opened.error());
        }
    } else {
        log = open_log(c, true, true);
    }
    if (!log) {
        return report_open_failure(log.error(), err);
    }
    auto key = data_key(c);
    if (!key) {
        return report_open_failure(key.error(), err);
    }
    auto services = make_services(**log, *key);
    auto now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    auto created = create_staff_account(
      services, login, name, password, infra::password_cost::interactive(), now);
    if (!created) {
        err << "portal: " << created.error().message << " (" << created.error().code << ")\n";
        return created.error().cls == error_class::unavailable ? k_data_dir : k_found;
    }
    auto id = *created;
    out << "staff account " << login << " created (" << id << ")\n";
    return k_ok;
}

/// The repository's built front end seen from the binary
/// (`<repo>/build/<flavour>/gateway/portal` -> `<repo>/web/dist`), when it
/// was built; else empty (no front end).
std::filesystem::path
default_web_root()
{
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
        return {};
    }
    auto dist = exe.parent_path() / ".." / ".." / ".." / "web" / "dist";
    if (!std::filesystem::is_regular_file(dist / "index.html", ec)) {
        return {};
    }
    return dist.lexically_normal();
}

int
cmd_serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    common_options c;
    bool no_sync = false;
    std::string listen;
    std::string public_url;
    std::string mail_from;
    std::string password_cost;
    unsigned workers = 64;
    unsigned reminder_hour = 6;
    unsigned approver_reminder_days = 3;
    bool no_reminders = false;
    std::string smtp_url;
    std::string smtp_user;
    std::string smtp_password_file;
    bool smtp_starttls = false;
    std::string web_root;
    kafka_flags kafka;
    auto d = common_description(c);
    d.add_options()("public-url",
                    po::value(&public_url)->default_value("http://127.0.0.1:8080"),
                    "the portal's public base URL (links in mails)")(
      "mail-from",
      po::value(&mail_from)->default_value("noreply@ausbildungsportal.example"),
      "sender address of mails")("no-sync",
                                 po::bool_switch(&no_sync),
                                 "do not sync the WAL before acknowledging (development)")(
      "listen",
      po::value(&listen)->default_value("127.0.0.1:8080"),
      "address and port of the HTTP API")(
      "workers",
      po::value(&workers)->default_value(64),
      "threads that handle requests (commands wait for the disk)")(
      "password-cost",
      po::value(&password_cost)->default_value("interactive"),
      "argon2id cost of new password hashes: interactive, or minimum (tests only)")(
      "reminder-hour",
      po::value(&reminder_hour)->default_value(6),
      "local hour (Europe/Berlin, 0-23) after which the daily reminder run is due")(
      "approver-reminder-days",
      po::value(&approver_reminder_days)->default_value(3),
      "days a submitted record waits before its approver is reminded")(
      "no-reminders", po::bool_switch(&no_reminders), "do not run the daily reminder scheduler")(
      "smtp-url",
      po::value(&smtp_url),
      "deliver mails over SMTP: smtp://host[:port] or smtps://host[:port] (without it, mails "
      "are written as files under <data-dir>/mail/)")(
      "smtp-user", po::value(&smtp_user), "SMTP AUTH user name")(
      "smtp-password-file",
      po::value(&smtp_password_file),
      "file holding the SMTP AUTH password (never on the command line)")(
      "smtp-starttls", po::bool_switch(&smtp_starttls), "require STARTTLS on an smtp:// URL");
    d.add_options()("web-root",
                    po::value(&web_root),
                    "directory of the built web front end served at / (default: the "
                    "repository's web/dist next to the build directory, when built; 'none': "
                    "no front end)");
    add_kafka_options(d, kafka);
    po::variables_map vm;
    if (auto code = parse(args, d, {}, vm, out, err, "Usage: portal serve [options]")) {
        return *code;
    }
    if (reminder_hour > 23) {
        err << "portal: --reminder-hour must be 0-23\n";
        return k_usage;
    }
    instance_options options;
    options.data_dir = c.data_dir;
    options.sync = !no_sync;
    options.public_url = public_url;
    options.mail_from = mail_from;
    options.api.secure_cookie = public_url.starts_with("https://");
    options.reminders = !no_reminders;
    options.reminder.hour = reminder_hour;
    options.reminder.days_before_approver_reminder = approver_reminder_days;
    if (!smtp_url.empty()) {
        if (!smtp_url.starts_with("smtp://") && !smtp_url.starts_with("smtps://")) {
            err << "portal: --smtp-url must be smtp://host[:port] or smtps://host[:port]\n";
            return k_usage;
        }
        infra::smtp_options smtp;
        smtp.url = smtp_url;
        smtp.user = smtp_user;
        smtp.starttls = smtp_starttls;
        if (!smtp_password_file.empty()) {
            std::ifstream in(smtp_password_file, std::ios::binary);
            if (!in) {
                err << "portal: cannot read --smtp-password-file " << smtp_password_file << "\n";
                return k_usage;
            }
            std::getline(in, smtp.password);
            if (!smtp.password.empty() && smtp.password.back() == '\r') {
                smtp.password.pop_back();
            }
        }
        options.smtp = std::move(smtp);
    } else if (!smtp_user.empty() || !smtp_password_file.empty() || smtp_starttls) {
        err << "portal: --smtp-user, --smtp-password-file and --smtp-starttls need --smtp-url\n";
        return k_usage;
    }
    if (password_cost == "minimum") {
        options.api.password_cost = infra::password_cost::minimum();
    } else if (password_cost != "interactive") {
        err << "portal: --password-cost must be interactive or minimum\n";
        return k_usage;
    }
    auto endpoint = gateway::parse_listen(listen);
    if (!endpoint) {
        err << "portal: --listen must be HOST:PORT, not '" << listen << "'\n";
        return k_usage;
    }
    options.server.address = endpoint->first;
    options.server.port = endpoint->second;
    options.server.worker_threads = std::max(1U, workers);
    if (web_root.empty()) {
        options.server.web_root = default_web_root();
    } else if (web_root != "none") {
        if (!std::filesystem::is_regular_file(std::filesystem::path(web_root) / "index.html")) {
            err << "portal: --web-root " << web_root << " holds no index.html\n";
            return k_usage;
        }
        options.server.web_root = web_root;
    }
    if (!kafka.brokers.empty()) {
        auto opened = kafka_options(kafka, fmt::format("{}", endpoint->second), err);
        if (!opened) {
            return k_usage;
        }
        options.kafka = std::move(*opened);
    } else if (!kafka.instance.empty()) {
        err << "portal: --instance needs --kafka\n";
        return k_usage;
    }
    // SIGTERM and SIGINT are blocked in every thread (threads started later
    // inherit the mask) and taken by sigwait below: no race with start-up.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    infra::init_logging(c.log_level, c.log_json);
    auto portal = instance::start(options);
    if (!portal) {
        if (portal.error().code == "server.bind" || portal.error().code == "validation.listen" ||
            portal.error().code == "smtp.bad_url") {
            err << "portal: " << portal.error().message << "\n";
            return k_usage;
        }
        return report_open_failure(portal.error(), err);
    }
    spdlog::info("portal serving data directory {} on http://{}:{} (event log at position {})",
                 c.data_dir,
                 endpoint->first,
                 (*portal)->port(),
                 (*portal)->log().last_position().value);
    if (options.kafka) {
        spdlog::info("event log: Kafka at {}, topics {}.*, instance {}",
                     kafka.brokers,
                     kafka.prefix,
                     options.kafka->instance);
    }
    if (!options.server.web_root.empty()) {
        spdlog::info("web front end served from {}", options.server.web_root.string());
    }
    // Everything runs on its own threads; this one waits for SIGTERM or
    // SIGINT, then stops gracefully: in-flight requests finish first.
    int received = 0;
    sigwait(&stop_signals, &received);
    spdlog::info("portal stopping (signal {})", received);
    (*portal)->stop();
    spdlog::info("portal stopped");
    return k_ok;
}

int
cmd_verify(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    common_options c;
    auto d = common_description(c);
    po::variables_map vm;
    if (auto code = parse(args, d, {}, vm, out, err, "Usage: portal verify [options]")) {
        return *code;
    }
    infra::init_logging(c.log_level, c.log_json);
    auto log = open_log(c, true, false);
    if (!log) {
        return report_open_failure(log.error(), err);
    }
    auto report = infra::verify_chains(**log);
    if (!report) {
        err << "portal: " << report.error().message << "\n";
        return k_data_dir;
    }
    if (report->first_broken) {
        const auto& b = *report->first_broken;
        out << fmt::format("BROKEN: position {} stream {} version {}: {}\n",
                           b.position.value,
                           b.stream,
                           b.version,
                           b.reason);
        return k_found;
    }
    out << fmt::format(
      "ok: {} events in {} streams, every hash chain verifies\n", report->events, report->streams);
    return k_ok;
}

int
cmd_export(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    common_options c;
    std::uint64_t from = 0;
    auto d = common_description(c);
    d.add_options()(
      "from", po::value(&from)->default_value(0), "export events after this position");
    po::variables_map vm;
    if (auto code =
          parse(args, d, {}, vm, out, err, "Usage: portal export [--from POSITION] [options]")) {
        return *code;
    }
    infra::init_logging(c.log_level, c.log_json);
    auto log = open_log(c, true, false);
    if (!log) {
        return report_open_failure(log.error(), err);
    }
    events::position after{ from };
    for (;;) {
        auto batch = (*log)->read_all(after, 4096);
        if (!batch) {
            err << "portal: " << batch.error().message << "\n";
            return k_data_dir;
        }
        if (batch->empty()) {
            break;
        }
        for (const auto& e : *batch) {
            out << event_line(e) << "\n";
            after = e.position;
        }
    }
    return k_ok;
}

int
cmd_history(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    common_options c;
    std::string stream;
    std::string as_of;
    auto d = common_description(c);
    d.add_options()("stream", po::value(&stream)->required(), "the stream id")(
      "as-of",
      po::value(&as_of),
      "only events recorded up to this RFC 3339 time, and the state folded from them");
    po::positional_options_description p;
    p.add("stream", 1);
    po::variables_map vm;
    if (auto code = parse(
          args, d, p, vm, out, err, "Usage: portal history STREAM [--as-of TIME] [options]")) {
        return *code;
    }
    std::optional<timestamp> limit;
    if (!as_of.empty()) {
        limit = parse_rfc3339(as_of);
        if (!limit) {
            err << "portal: --as-of must be an RFC 3339 time such as "
                   "2026-11-28T12:00:00Z\n";
            return k_usage;
        }
    }
    infra::init_logging(c.log_level, c.log_json);
    auto log = open_log(c, true, false);
    if (!log) {
        return report_open_failure(log.error(), err);
    }
    auto events = (*log)->read_stream(stream);
    if (!events) {
        err << "portal: " << events.error().message << "\n";
        return k_data_dir;
    }
    if (events->empty()) {
        err << "portal: no stream " << stream << "\n";
        return k_found;
    }
    for (const auto& e : *events) {
        auto env = events::envelope::decode(e.envelope_bytes);
        if (limit && env && env->reader().getRecordedAt() > to_micros(*limit)) {
            break;
        }
        out << event_line(e) << "\n";
    }
    // The state folded up to the same time: one last line `{"state":{...}}`;
    // none when the stream had no event yet at that time.
    auto state = gateway::fold_stream_as_of(**log, stream, limit);
    if (!state) {
        switch (state.error().cls) {
            case error_class::not_found:
                return k_ok;
            case error_class::invalid:
                err << "portal: no state for " << stream << ": " << state.error().message << "\n";
                return k_ok;
            default:
                err << "portal: " << state.error().message << "\n";
                return k_data_dir;
        }
    }
    out << R"({"state":)" << boost::json::serialize(*state) << "}\n";
    return k_ok;
}

} // namespace

int
run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    if (args.empty()) {
        err << k_usage_text;
        return k_usage;
    }
    const auto& command = args.front();
    std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
        if (command == "serve") {
            return cmd_serve(rest, out, err);
        }
        if (command == "verify") {
            return cmd_verify(rest, out, err);
        }
        if (command == "export") {
            return cmd_export(rest, out, err);
        }
        if (command == "history") {
            return cmd_history(rest, out, err);
        }
        if (command == "replay") {
            return cmd_replay(rest, out, err);
        }
        if (command == "demo") {
            return cmd_demo(rest, out, err);
        }
        if (command == "staff") {
            return cmd_staff(rest, out, err);
        }
        if (command == "version" || command == "--version") {
            out << "portal " << PORTAL_VERSION << "\n";
            return k_ok;
        }
        if (command == "help" || command == "--help" || command == "-h") {
            out << k_usage_text;
            return k_ok;
        }
    } catch (const std::exception& e) {
        err << "portal: " << e.what() << "\n";
        return k_data_dir;
    }
    err << "portal: unknown command '" << command << "'\n" << k_usage_text;
    return k_usage;
}

} // namespace portal::cli
