// Mail delivery over SMTP (issue #7) against a real SMTP server: aiosmtpd
// (tests/support/smtp_sink.py) started as a child process. The portal runs
// in-process (gateway_env with an SMTP URL) or as `portal serve --smtp-url`
// for the SIGKILL test. Checks recipients, subjects, UTF-8 bodies and the
// links of the mails (which must work against the API), retries while the
// server is down, a permanent refusal, the staff route and the metric, and
// that a SIGKILL in the middle of dispatching neither loses a mail nor sends
// one twice, except at most the one entry that was `sending` at the kill; and
// that every outcome is recorded in the log (`mail.sent`) and an entry whose
// outcome is already there is not sent; and that entries of the retry queue
// that are not due cannot keep due ones behind them from being sent (a
// dispatcher on its own log and store, with a small queue window).

#include "app/mail.hpp"
#include "gateway_env.hpp"
#include "mail_deliveries.hpp"
#include "mail_dispatcher.hpp"
#include "portal/events/message.hpp"
#include "portal/infra/embedded_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/infra/smtp.hpp"
#include "portal_process.hpp"
#include "process.hpp"
#include "smtp_sink.hpp"
#include "test_support.hpp"

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace portal::testing {
namespace {

namespace json = boost::json;

const std::string k_portal = PORTAL_BINARY;
constexpr const char* k_sender = "noreply@ausbildungsportal.example";

/// The delivery records of the staff route (all pages).
json::array
deliveries(http_client& client, const std::string& token, const std::string& status = {})
{
    return mail_delivery_records(client, token, status);
}

/// The record of the mail of `kind` to `recipient` (null when none).
json::value
delivery_to(http_client& client,
            const std::string& token,
            const std::string& recipient,
            const std::string& kind)
{
    for (auto& d : deliveries(client, token)) {
        const auto& o = d.as_object();
        if (o.at("recipient").as_string() == recipient && o.at("kind").as_string() == kind) {
            return d;
        }
    }
    return nullptr;
}

/// Staff create an examiner's account (its invitation goes to the outbox).
http_reply
create_examiner(http_client& client,
                const std::string& staff,
                const std::string& name,
                const std::string& email)
{
    auto created =
      client.post("/api/v1/accounts",
                  json_text({ { "role", "examiner" }, { "name", name }, { "email", email } }),
                  staff);
    EXPECT_EQ(created.status, 201U) << created.body;
    return created;
}

/// Staff erase an account's personal data.
void
erase_account(http_client& client, const std::string& staff, const std::string& id)
{
    auto erased = client.post("/api/v1/accounts/" + id + "/erase",
                              json_text({ { "reason", "Aufbewahrungsfrist abgelaufen" } }),
                              staff);
    EXPECT_EQ(erased.status, 200U) << erased.body;
}

/// The delivery record of entry `id` (null when there is none).
json::value
delivery_with_id(http_client& client, const std::string& staff, const std::string& id)
{
    for (const auto& d : deliveries(client, staff)) {
        if (d.at("id").as_string() == id) {
            return d;
        }
    }
    return nullptr;
}

/// The value of `portal_mail_deliveries_total{result="<result>"}` (-1 when absent).
long
delivery_metric(http_client& client, const std::string& result)
{
    auto text = client.get("/metrics").body;
    std::regex line("portal_mail_deliveries_total\\{result=\"" + result + "\"\\} ([0-9]+)");
    std::smatch m;
    return std::regex_search(text, m, line) ? std::stol(m[1]) : -1;
}

class MailDelivery : public ::testing::Test
{
  protected:
    temp_dir sink_root;
    unsigned short port = free_port();
};

TEST_F(MailDelivery, SenderDeliversToEveryToAndCcAddressInOneTransaction)
{
    smtp_sink sink(port, sink_root.path() / "in");
    ASSERT_TRUE(sink.start());
    auto sender = infra::open_smtp_sender({ .url = "smtp://127.0.0.1:" + std::to_string(port) });
    ASSERT_TRUE(sender.has_value()) << sender.error().message;
    infra::mail_message m;
    m.from = { "Ausbildungsportal", k_sender };
    m.to = { { "Jörg Köhler", "j.koehler@firma.example" } };
    m.cc = { { "", "ausbilderin@firma.example" } };
    m.subject = "Erinnerung: Berichte für KW 47/2026 fehlen";
    m.text_body = "Grüße aus München\n";
    m.html_body = "<p>Grüße aus München</p>";
    m.message_id = "erinnerung-1@ausbildungsportal.example";
    m.date = from_micros(1'795'000'000'000'000);
    ASSERT_TRUE((*sender)->send(m).has_value());
    ASSERT_EQ(sink.messages().size(), 1U);
    const auto& got = sink.messages().front();
    EXPECT_EQ(got.rcpt_tos,
              (std::vector<std::string>{ "j.koehler@firma.example", "ausbilderin@firma.example" }));
    EXPECT_EQ(got.mail_from, k_sender);
    EXPECT_EQ(got.subject(), m.subject);
    EXPECT_EQ(got.message_id(), m.message_id);
    EXPECT_EQ(decode_words(header(got.data, "To")), "Jörg Köhler <j.koehler@firma.example>");
    EXPECT_NE(got.text().find("Grüße aus München"), std::string::npos);

    // Without a recipient nothing is sent.
    m.to.clear();
    m.cc.clear();
    auto none = (*sender)->send(m);
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, "mail.no_recipient");
}

TEST_F(MailDelivery, SenderClassifiesRefusalsAndOutages)
{
    smtp_sink sink(
      port,
      sink_root.path() / "in",
      { "--reject-rcpt", "weg@firma.example", "--tempfail-rcpt", "voll@firma.example" });
    ASSERT_TRUE(sink.start());
    auto sender = infra::open_smtp_sender({ .url = "smtp://127.0.0.1:" + std::to_string(port) });
    ASSERT_TRUE(sender.has_value());
    auto send_to = [&](const std::string& rcpt) {
        return (*sender)->send_raw(k_sender, { rcpt }, "Subject: x\r\n\r\ny\r\n");
    };
    auto refused = send_to("weg@firma.example");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, "smtp.rejected");
    EXPECT_EQ(refused.error().cls, error_class::rejected);
    auto later = send_to("voll@firma.example");
    ASSERT_FALSE(later.has_value());
    EXPECT_EQ(later.error().code, "smtp.unavailable");
    EXPECT_EQ(later.error().cls, error_class::unavailable);
    sink.stop();
    auto down = send_to("jemand@firma.example");
    ASSERT_FALSE(down.has_value());
    EXPECT_EQ(down.error().code, "smtp.unavailable");

    for (std::string url : { "http://127.0.0.1:25", "smtp://", "smtp://:25", "127.0.0.1:25" }) {
        auto bad = infra::open_smtp_sender({ .url = url });
        ASSERT_FALSE(bad.has_value()) << url;
        EXPECT_EQ(bad.error().code, "smtp.bad_url") << url;
    }
    auto with_password = infra::open_smtp_sender({ .url = "smtp://nutzer:geheim@127.0.0.1:25" });
    ASSERT_FALSE(with_password.has_value());
    EXPECT_EQ(with_password.error().message.find("geheim"), std::string::npos);
}

TEST_F(MailDelivery, InvitationAndPasswordResetArriveOverSmtpWithLinksThatWork)
{
    smtp_sink sink(port, sink_root.path() / "in");
    ASSERT_TRUE(sink.start());
    gateway_env env(std::nullopt, smtp_options(port));
    auto& client = env.client();
    auto staff = env.staff_token();
    auto created = client.post("/api/v1/accounts",
                               json_text({ { "role", "examiner" },
                                           { "name", "Jörg Müller" },
                                           { "email", "joerg@pruefer.example" } }),
                               staff);
    ASSERT_EQ(created.status, 201U) << created.body;

    auto invitation = sink.wait_for("joerg@pruefer.example");
    EXPECT_EQ(invitation.rcpt_tos, std::vector<std::string>{ "joerg@pruefer.example" });
    EXPECT_EQ(invitation.mail_from, k_sender);
    EXPECT_EQ(invitation.subject(), "Einladung zum Ausbildungsportal");
    EXPECT_NE(header(invitation.data, "Content-Type").find("multipart/alternative"),
              std::string::npos);
    auto text = invitation.text();
    EXPECT_NE(text.find("für Sie wurde ein Zugang zum Ausbildungsportal angelegt"),
              std::string::npos)
      << text;
    auto token = link_token(text, "/activate");
    ASSERT_FALSE(token.empty()) << text;
    auto activated =
      client.post("/api/v1/accounts/activate",
                  json_text({ { "token", token }, { "password", "Mein-Neues-Passwort" } }));
    ASSERT_EQ(activated.status, 200U) << activated.body;
    EXPECT_FALSE(env.login_token("joerg@pruefer.example", "Mein-Neues-Passwort").empty());

    auto reset =
      client.post("/api/v1/password-reset", json_text({ { "login", "joerg@pruefer.example" } }));
    ASSERT_EQ(reset.status, 202U) << reset.body;
    auto reset_mail = sink.wait_for("joerg@pruefer.example", 2);
    EXPECT_EQ(reset_mail.subject(), "Passwort zurücksetzen");
    EXPECT_EQ(reset_mail.rcpt_tos, std::vector<std::string>{ "joerg@pruefer.example" });
    auto reset_token = link_token(reset_mail.text(), "/password-reset");
    ASSERT_FALSE(reset_token.empty()) << reset_mail.text();
    auto confirmed =
      client.post("/api/v1/password-reset/confirm",
                  json_text({ { "token", reset_token }, { "password", "Ganz-Neues-Passwort" } }));
    ASSERT_EQ(confirmed.status, 200U) << confirmed.body;
    // The reset ended the sessions from before it: the examiner signs in again.
    auto examiner = env.login_token("joerg@pruefer.example", "Ganz-Neues-Passwort");
    EXPECT_FALSE(examiner.empty());

    // Message-IDs: one per mail, the one the staff route shows.
    EXPECT_NE(invitation.message_id(), reset_mail.message_id());
    json::value record;
    ASSERT_TRUE(wait_until([&] {
        record = delivery_to(client, staff, "joerg@pruefer.example", "password_reset");
        return record.is_object() && record.at("status").as_string() == "sent";
    }));
    EXPECT_EQ(record.at("messageId").as_string(), reset_mail.message_id());
    EXPECT_EQ(record.at("subject").as_string(), "Passwort zurücksetzen");
    EXPECT_EQ(record.at("attempts").as_int64(), 1);
    EXPECT_TRUE(record.at("lastError").is_null());
    EXPECT_TRUE(record.at("updatedAt").is_string());

    // Every record sent; the metric counts each; no file was written.
    auto all = deliveries(client, staff);
    EXPECT_EQ(all.size(), sink.messages().size());
    EXPECT_EQ(deliveries(client, staff, "sent").size(), all.size());
    EXPECT_TRUE(deliveries(client, staff, "failed").empty());
    EXPECT_EQ(delivery_metric(client, "sent"), static_cast<long>(all.size()));
    EXPECT_EQ(delivery_metric(client, "failed"), 0);
    EXPECT_FALSE(std::filesystem::exists(env.data_dir() / "mail"));

    // Staff only; bad parameters are 400.
    EXPECT_EQ(client.get("/api/v1/mail/deliveries", examiner).status, 403U);
    EXPECT_EQ(client.get("/api/v1/mail/deliveries").status, 401U);
    EXPECT_EQ(client.get("/api/v1/mail/deliveries?status=verschickt", staff).status, 400U);
    EXPECT_EQ(client.get("/api/v1/mail/deliveries?cursor=abc", staff).status, 400U);
    EXPECT_EQ(client.get("/api/v1/mail/deliveries?limit=0", staff).status, 400U);
    // Paging: one at a time reaches every record.
    auto first = client.get("/api/v1/mail/deliveries?limit=1", staff).json().as_object();
    ASSERT_EQ(first.at("items").as_array().size(), 1U);
    ASSERT_TRUE(first.at("next").is_string());
    auto second =
      client
        .get("/api/v1/mail/deliveries?limit=1&cursor=" + std::string(first.at("next").as_string()),
             staff)
        .json()
        .as_object();
    ASSERT_EQ(second.at("items").as_array().size(), 1U);
    EXPECT_NE(second.at("items").as_array()[0].at("id"), first.at("items").as_array()[0].at("id"));
}

TEST_F(MailDelivery, UnavailableServerIsRetriedAndTheMailDeliveredOnce)
{
    smtp_sink sink(port, sink_root.path() / "in"); // not started yet
    gateway_env env(std::nullopt, smtp_options(port));
    auto& client = env.client();
    auto staff = env.staff_token();
    auto created = create_examiner(client, staff, "Anna Schäfer", "anna@pruefer.example");
    json::value record;
    ASSERT_TRUE(wait_until([&] {
        record = delivery_to(client, staff, "anna@pruefer.example", "invitation");
        return record.is_object() && record.at("status").as_string() == "pending" &&
               record.at("attempts").as_int64() >= 2;
    }))
      << json::serialize(record);
    EXPECT_TRUE(record.at("lastError").is_string());
    EXPECT_TRUE(record.at("nextAttemptAt").is_string());
    EXPECT_GE(delivery_metric(client, "retry"), 2);
    EXPECT_TRUE(sink.messages().empty());

    ASSERT_TRUE(sink.start());
    auto mail = sink.wait_for("anna@pruefer.example");
    EXPECT_EQ(mail.subject(), "Einladung zum Ausbildungsportal");
    ASSERT_TRUE(wait_until([&] {
        record = delivery_to(client, staff, "anna@pruefer.example", "invitation");
        return record.is_object() && record.at("status").as_string() == "sent";
    }))
      << json::serialize(record);
    EXPECT_GE(record.at("attempts").as_int64(), 3);
    EXPECT_TRUE(record.at("lastError").is_string()); // the last failure stays visible
    EXPECT_EQ(record.at("messageId").as_string(), mail.message_id());
    // Once: after every record is sent, each Message-ID arrived exactly once.
    ASSERT_TRUE(wait_until([&] {
        return deliveries(client, staff, "sent").size() == deliveries(client, staff).size();
    }));
    std::map<std::string, int> ids;
    for (const auto& m : sink.messages()) {
        ++ids[m.message_id()];
    }
    EXPECT_EQ(ids.size(), deliveries(client, staff).size());
    for (const auto& [id, n] : ids) {
        EXPECT_EQ(n, 1) << id;
    }
    EXPECT_EQ(sink.to("anna@pruefer.example").size(), 1U);
}

TEST_F(MailDelivery, RefusedRecipientFailsAtOnceAndLaterMailsStillGo)
{
    smtp_sink sink(port, sink_root.path() / "in", { "--reject-rcpt", "niemand@abgelehnt.example" });
    ASSERT_TRUE(sink.start());
    gateway_env env(std::nullopt, smtp_options(port));
    auto& client = env.client();
    auto staff = env.staff_token();
    for (auto email : { "niemand@abgelehnt.example", "erika@pruefer.example" }) {
        auto created = client.post(
          "/api/v1/accounts",
          json_text({ { "role", "examiner" }, { "name", "Prüfer/-in" }, { "email", email } }),
          staff);
        ASSERT_EQ(created.status, 201U) << created.body;
    }
    sink.wait_for("erika@pruefer.example");
    json::value refused;
    ASSERT_TRUE(wait_until([&] {
        refused = delivery_to(client, staff, "niemand@abgelehnt.example", "invitation");
        return refused.is_object() && refused.at("status").as_string() == "failed";
    }))
      << json::serialize(refused);
    EXPECT_EQ(refused.at("attempts").as_int64(), 1);
    EXPECT_NE(std::string(refused.at("lastError").as_string()).find("550"), std::string::npos)
      << refused.at("lastError");
    auto failed = deliveries(client, staff, "failed");
    ASSERT_EQ(failed.size(), 1U);
    EXPECT_EQ(failed[0].at("recipient").as_string(), "niemand@abgelehnt.example");
    EXPECT_EQ(delivery_metric(client, "failed"), 1);
    EXPECT_TRUE(sink.to("niemand@abgelehnt.example").empty());
}

TEST_F(MailDelivery, AQueuedMailWhoseRecipientIsErasedIsWithdrawnNotSentLater)
{
    smtp_sink sink(port, sink_root.path() / "in"); // not started yet
    gateway_env env(std::nullopt, smtp_options(port));
    auto& client = env.client();
    auto staff = env.staff_token();
    auto created = create_examiner(client, staff, "Anna Schäfer", "anna@pruefer.example");
    json::value record;
    ASSERT_TRUE(wait_until([&] {
        record = delivery_to(client, staff, "anna@pruefer.example", "invitation");
        return record.is_object() && record.at("status").as_string() == "pending";
    }))
      << json::serialize(record);
    auto id = std::string(record.at("id").as_string());

    // Retention ends before the server is back: the invitation is withdrawn.
    erase_account(client, staff, created.str("id"));
    ASSERT_TRUE(wait_until([&] {
        record = delivery_with_id(client, staff, id);
        return record.at("status").as_string() == "failed";
    }))
      << json::serialize(record);
    EXPECT_EQ(record.at("recipient").as_string(), "");
    EXPECT_EQ(record.at("subject").as_string(), "");
    EXPECT_NE(std::string(record.at("lastError").as_string()).find("withdrawn"), std::string::npos)
      << record.at("lastError");

    // The server is back; a later mail goes, the withdrawn one never.
    ASSERT_TRUE(sink.start());
    create_examiner(client, staff, "Erika Prüfer", "erika@pruefer.example");
    sink.wait_for("erika@pruefer.example");
    EXPECT_TRUE(sink.to("anna@pruefer.example").empty());
    for (const auto& d : deliveries(client, staff)) {
        EXPECT_NE(d.at("recipient").as_string(), "anna@pruefer.example") << json::serialize(d);
    }
}

TEST_F(MailDelivery, ASentMailsRecordForgetsItsRecipientWhenTheirDataIsErased)
{
    smtp_sink sink(port, sink_root.path() / "in");
    ASSERT_TRUE(sink.start());
    gateway_env env(std::nullopt, smtp_options(port));
    auto& client = env.client();
    auto staff = env.staff_token();
    auto created = create_examiner(client, staff, "Anna Schäfer", "anna@pruefer.example");
    sink.wait_for("anna@pruefer.example");
    json::value record;
    ASSERT_TRUE(wait_until([&] {
        record = delivery_to(client, staff, "anna@pruefer.example", "invitation");
        return record.is_object() && record.at("status").as_string() == "sent";
    }))
      << json::serialize(record);
    auto id = std::string(record.at("id").as_string());
    auto message_id = std::string(record.at("messageId").as_string());
    EXPECT_FALSE(std::string(record.at("subject").as_string()).empty());

    erase_account(client, staff, created.str("id"));
    // The record keeps what happened (sent, Message-ID, attempts), not to whom.
    ASSERT_TRUE(wait_until([&] {
        record = delivery_with_id(client, staff, id);
        return record.at("recipient").as_string().empty();
    }))
      << json::serialize(record);
    EXPECT_EQ(record.at("subject").as_string(), "");
    EXPECT_EQ(record.at("status").as_string(), "sent");
    EXPECT_EQ(record.at("messageId").as_string(), message_id);
    EXPECT_EQ(record.at("attempts"), json::value(1));
    for (const auto& d : deliveries(client, staff)) {
        EXPECT_EQ(json::serialize(d).find("anna@pruefer.example"), std::string::npos)
          << json::serialize(d);
    }
    EXPECT_EQ(sink.to("anna@pruefer.example").size(), 1U) << "sent once, not again";
}

// --- SIGKILL of `portal serve` while it dispatches ----------------------------

constexpr const char* k_staff_login = "versand@ihk.example";
constexpr const char* k_staff_password = "Versand-Test-Passwort";

std::string
staff_login(unsigned short port)
{
    http_client c(port);
    auto r = c.post("/api/v1/session",
                    json_text({ { "login", k_staff_login }, { "password", k_staff_password } }));
    EXPECT_EQ(r.status, 200U) << r.body;
    return r.str("token");
}

TEST_F(MailDelivery, SigkillWhileDispatchingLosesNoMailAndDuplicatesAtMostTheOneInFlight)
{
    constexpr int k_accounts = 120;
    // A slow server (it stores each message, then waits before its final
    // reply) makes a kill in the middle of a transaction likely.
    smtp_sink sink(port, sink_root.path() / "in", { "--data-delay-ms", "15" });
    ASSERT_TRUE(sink.start());
    temp_dir dir;
    auto staff_added =
      run_process(k_portal,
                  { "staff", "add", "--data-dir", dir.path().string(), "--login", k_staff_login },
                  std::string(k_staff_password) + "\n");
    ASSERT_EQ(staff_added.exit_code, 0) << staff_added.err;
    auto http_port = free_port();
    std::vector<std::string> recipients;
    std::set<std::string> in_flight; // Message-IDs `sending` at the kill
    {
        portal_process server(
          k_portal,
          dir.path(),
          http_port,
          { "--no-reminders", "--smtp-url", "smtp://127.0.0.1:" + std::to_string(port) });
        ASSERT_TRUE(server.wait_ready());
        auto token = staff_login(http_port);
        http_client client(http_port);
        for (int i = 0; i < k_accounts; ++i) {
            auto email = "pruefer" + std::to_string(i) + "@versand.example";
            auto created = client.post("/api/v1/accounts",
                                       json_text({ { "role", "examiner" },
                                                   { "name", "Prüfer Nr. " + std::to_string(i) },
                                                   { "email", email } }),
                                       token);
            ASSERT_EQ(created.status, 201U) << created.body;
            recipients.push_back(email);
        }
        ASSERT_TRUE(wait_until([&] { return sink.messages().size() >= k_accounts / 3; },
                               std::chrono::seconds{ 60 }));
        server.kill_now();
        auto delivered_before = sink.messages().size();
        EXPECT_LT(delivered_before, static_cast<std::size_t>(k_accounts))
          << "the kill came after the last mail: nothing was in the middle";
        auto store = infra::open_kv_store({ .dir = dir.path() / "read" });
        ASSERT_TRUE(store.has_value());
        auto scanned = (*store)->scan_prefix(
          cli::k_delivery_prefix, [&](std::string_view, std::string_view value) {
              auto record = json::parse(value).as_object();
              if (record.at("status").as_string() == "sending") {
                  in_flight.insert(std::string(record.at("messageId").as_string()));
              }
              return true;
          });
        ASSERT_TRUE(scanned.has_value());
        EXPECT_LE(in_flight.size(), 1U);
        RecordProperty("delivered_before_kill", static_cast<int>(delivered_before));
        RecordProperty("in_flight_at_kill", static_cast<int>(in_flight.size()));
    }

    portal_process server(
      k_portal,
      dir.path(),
      http_port,
      { "--no-reminders", "--smtp-url", "smtp://127.0.0.1:" + std::to_string(port) });
    ASSERT_TRUE(server.wait_ready());
    auto token = staff_login(http_port);
    http_client client(http_port);
    ASSERT_TRUE(wait_until(
      [&] {
          for (const auto& r : recipients) {
              if (sink.to(r).empty()) {
                  return false;
              }
          }
          auto all = deliveries(client, token);
          return !all.empty() && deliveries(client, token, "sent").size() == all.size();
      },
      std::chrono::seconds{ 120 }));
    auto records = deliveries(client, token);
    EXPECT_GE(records.size(), static_cast<std::size_t>(k_accounts));
    std::set<std::string> expected;
    for (const auto& r : records) {
        expected.insert(std::string(r.at("messageId").as_string()));
    }
    std::map<std::string, int> received_ids;
    for (const auto& m : sink.messages()) {
        ++received_ids[m.message_id()];
    }
    // Every entry delivered, nothing else.
    std::set<std::string> got;
    for (const auto& [id, n] : received_ids) {
        got.insert(id);
    }
    EXPECT_EQ(got, expected);
    // No Message-ID twice, except the one that was `sending` at the kill.
    for (const auto& [id, n] : received_ids) {
        if (n > 1) {
            EXPECT_EQ(n, 2) << id;
            EXPECT_TRUE(in_flight.contains(id)) << id << " arrived " << n << " times";
        }
    }
    for (const auto& r : recipients) {
        auto mails = sink.to(r);
        ASSERT_FALSE(mails.empty()) << r;
        EXPECT_EQ(mails.size(), static_cast<std::size_t>(received_ids[mails.front().message_id()]))
          << r << ": one invitation, received once (twice only when it was in flight)";
    }
    EXPECT_EQ(server.terminate(), 0);
}

// --- mail files of an earlier run without SMTP -------------------------------

TEST_F(MailDelivery, MailFilesOfAnEarlierRunWithoutSmtpStillForgetAnErasedPerson)
{
    smtp_sink sink(port, sink_root.path() / "in");
    ASSERT_TRUE(sink.start());
    temp_dir dir;
    auto staff_added =
      run_process(k_portal,
                  { "staff", "add", "--data-dir", dir.path().string(), "--login", k_staff_login },
                  std::string(k_staff_password) + "\n");
    ASSERT_EQ(staff_added.exit_code, 0) << staff_added.err;
    auto http_port = free_port();
    auto files_naming = [&](const std::string& needle) {
        std::size_t n = 0;
        std::error_code ec;
        for (const auto& f : std::filesystem::directory_iterator(dir.path() / "mail", ec)) {
            n += read_mail_text(f.path()).find(needle) != std::string::npos ? 1 : 0;
        }
        return n;
    };
    std::string account_id;
    {
        // Without SMTP: the invitation is written as a file.
        portal_process server(k_portal, dir.path(), http_port, { "--no-reminders" });
        ASSERT_TRUE(server.wait_ready());
        http_client client(http_port);
        auto created =
          create_examiner(client, staff_login(http_port), "Anna Schäfer", "anna@pruefer.example");
        account_id = created.str("id");
        ASSERT_TRUE(wait_until([&] { return files_naming("anna@pruefer.example") == 1; }));
        EXPECT_EQ(server.terminate(), 0);
    }
    // Now with SMTP: the file stays until Anna's data is erased.
    portal_process server(
      k_portal,
      dir.path(),
      http_port,
      { "--no-reminders", "--smtp-url", "smtp://127.0.0.1:" + std::to_string(port) });
    ASSERT_TRUE(server.wait_ready());
    http_client client(http_port);
    EXPECT_EQ(files_naming("anna@pruefer.example"), 1U);
    erase_account(client, staff_login(http_port), account_id);
    EXPECT_TRUE(wait_until([&] { return files_naming("anna@pruefer.example") == 0; }));
    EXPECT_TRUE(sink.to("anna@pruefer.example").empty()) << "the old mail is not sent now";
    EXPECT_EQ(server.terminate(), 0);
}

// --- outcomes in the log (mail.sent / mail.failed) ---------------------------------

/// One recorded outcome of the log.
struct recorded_outcome
{
    std::string name; ///< mail.sent, mail.failed
    std::string message_id;
    std::uint32_t attempts = 0;
};

/// The `mail.*` events of the log by stream (`mail-<entry key>`).
std::map<std::string, std::vector<recorded_outcome>>
recorded_outcomes(events::event_log& log)
{
    std::map<std::string, std::vector<recorded_outcome>> out;
    auto all = log.read_all(events::position{}, SIZE_MAX);
    EXPECT_TRUE(all.has_value());
    for (const auto& e : all ? *all : std::vector<events::recorded_event>{}) {
        auto env = events::envelope::decode(e.envelope_bytes);
        EXPECT_TRUE(env.has_value());
        if (!env || !env->reader().getPayload().isMail()) {
            continue;
        }
        auto mail = env->reader().getPayload().getMail();
        recorded_outcome r;
        r.name = events::event_name(env->reader().getPayload());
        if (mail.isSent()) {
            r.message_id = mail.getSent().getMessageId().cStr();
            r.attempts = mail.getSent().getAttempts();
        } else {
            r.message_id = mail.getFailed().getMessageId().cStr();
            r.attempts = mail.getFailed().getAttempts();
        }
        out[e.stream].push_back(std::move(r));
    }
    return out;
}

TEST_F(MailDelivery, EveryOutcomeIsRecordedInTheLogOnceWithTheMessageIdThatWasSent)
{
    smtp_sink sink(port, sink_root.path() / "in");
    ASSERT_TRUE(sink.start());
    auto options = smtp_options(port);
    options.mail_from = k_sender;
    gateway_env env(std::nullopt, options);
    auto& client = env.client();
    auto staff = env.staff_token();
    for (const auto* email : { "eins@pruefer.example", "zwei@pruefer.example" }) {
        auto r = client.post(
          "/api/v1/accounts",
          json_text({ { "role", "examiner" }, { "name", "Prüfer" }, { "email", email } }),
          staff);
        ASSERT_EQ(r.status, 201U) << r.body;
    }
    auto first = sink.wait_for("eins@pruefer.example");
    auto second = sink.wait_for("zwei@pruefer.example");
    ASSERT_TRUE(wait_until([&] {
        auto all = deliveries(client, staff);
        return all.size() == sink.messages().size() &&
               deliveries(client, staff, "sent").size() == all.size();
    }));

    std::map<std::string, recorded_outcome> by_message_id;
    ASSERT_TRUE(wait_until([&] {
        by_message_id.clear();
        for (const auto& [stream, outcomes] : recorded_outcomes(env.portal().log())) {
            EXPECT_EQ(outcomes.size(), 1U) << stream << " has more than one outcome";
            by_message_id[outcomes.front().message_id] = outcomes.front();
            // The stream names the entry key, the left part of the Message-ID.
            EXPECT_EQ("mail-" + outcomes.front().message_id.substr(
                                  0, outcomes.front().message_id.find('@')),
                      stream);
        }
        return by_message_id.size() == sink.messages().size();
    }));
    for (const auto& m : sink.messages()) {
        ASSERT_TRUE(by_message_id.contains(m.message_id())) << m.message_id();
        EXPECT_EQ(by_message_id[m.message_id()].name, "mail.sent");
        EXPECT_EQ(by_message_id[m.message_id()].attempts, 1U);
    }
    EXPECT_TRUE(by_message_id.contains(first.message_id()));
    EXPECT_TRUE(by_message_id.contains(second.message_id()));
    // Message-IDs name the mail's event, not the local outbox position.
    EXPECT_TRUE(std::regex_match(first.message_id(),
                                 std::regex("[0-9a-f]{32}-[0-9]{2}@ausbildungsportal\\.example")))
      << first.message_id();
}

TEST_F(MailDelivery, AnEntryWhoseOutcomeIsAlreadyInTheLogIsNotSentAndTakesTheRecordedOutcome)
{
    // The server is down: the invitation to "schon" waits for a retry.
    auto options = smtp_options(port);
    options.mail_from = k_sender;
    gateway_env env(std::nullopt, options);
    auto& client = env.client();
    auto staff = env.staff_token();
    auto created = client.post(
      "/api/v1/accounts",
      json_text(
        { { "role", "examiner" }, { "name", "Schon" }, { "email", "schon@pruefer.example" } }),
      staff);
    ASSERT_EQ(created.status, 201U) << created.body;
    json::value record;
    ASSERT_TRUE(wait_until([&] {
        record = delivery_to(client, staff, "schon@pruefer.example", "invitation");
        return record.is_object() && record.at("status").as_string() == "pending";
    }));
    auto id = std::string(record.at("id").as_string());
    auto message_id = std::string(record.at("messageId").as_string());
    auto key = message_id.substr(0, message_id.find('@'));

    // Another instance (or this one before a crash) recorded it as sent.
    auto position = std::stoull(id.substr(0, id.find('/')));
    auto events = env.portal().log().read_all(events::position{ position - 1 }, 1);
    ASSERT_TRUE(events.has_value() && events->size() == 1U);
    auto env_of = events::envelope::decode(events->front().envelope_bytes);
    ASSERT_TRUE(env_of.has_value());
    domain::mail::record_delivery command;
    auto event_id = env_of->reader().getEventId();
    ASSERT_EQ(event_id.size(), 16U);
    std::copy(event_id.begin(), event_id.end(), command.source_event_id.begin());
    command.index = static_cast<std::uint16_t>(std::stoul(id.substr(id.find('/') + 1)));
    command.kind = "invitation";
    command.message_id = message_id;
    command.attempts = 7;
    command.sent = true;
    ASSERT_EQ(domain::mail::entry_key(command.source_event_id, command.index), key);
    domain::command_meta meta;
    meta.actor = domain::principal{ "", events::role::system, "" };
    meta.now = env.now();
    auto recorded = app::record_mail_delivery(
      env.portal().services(), meta, env_of->reader().getPartitionKey().cStr(), command);
    ASSERT_TRUE(recorded.has_value()) << recorded.error().message;
    EXPECT_EQ(recorded->events, 1U);

    // The server is back; a new mail goes out, the recorded one does not.
    smtp_sink sink(port, sink_root.path() / "in");
    ASSERT_TRUE(sink.start());
    auto later = client.post(
      "/api/v1/accounts",
      json_text({ { "role", "examiner" }, { "name", "Neu" }, { "email", "neu@pruefer.example" } }),
      staff);
    ASSERT_EQ(later.status, 201U) << later.body;
    auto fresh = sink.wait_for("neu@pruefer.example");
    ASSERT_TRUE(wait_until([&] {
        record = delivery_to(client, staff, "schon@pruefer.example", "invitation");
        return record.is_object() && record.at("status").as_string() == "sent";
    }));
    EXPECT_EQ(record.at("messageId").as_string(), message_id);
    EXPECT_EQ(record.at("attempts").as_int64(), 7);
    EXPECT_TRUE(sink.to("schon@pruefer.example").empty());
    EXPECT_EQ(sink.messages().size(), 1U);

    // The log: the recorded outcome stays the only one of that mail; the
    // new mail got its own `mail.sent`.
    std::map<std::string, std::vector<recorded_outcome>> outcomes;
    ASSERT_TRUE(wait_until([&] {
        outcomes = recorded_outcomes(env.portal().log());
        return outcomes.size() == 2U;
    }));
    ASSERT_EQ(outcomes["mail-" + key].size(), 1U);
    EXPECT_EQ(outcomes["mail-" + key].front().attempts, 7U);
    auto fresh_key = fresh.message_id().substr(0, fresh.message_id().find('@'));
    ASSERT_EQ(outcomes["mail-" + fresh_key].size(), 1U);
    EXPECT_EQ(outcomes["mail-" + fresh_key].front().name, "mail.sent");
}

// --- the retry queue: entries that are not due do not block due ones -------------

/// A dispatcher over its own embedded log and store, sending to the SMTP sink
/// on `port`, whose retry queue holds one entry per event appended with
/// `queue`. `owns` says which of them this instance sends (the others wait
/// for their owner, as in Kafka mode: `dq/<id>` without a record).
class queue_world
{
  public:
    queue_world(unsigned short port,
                std::size_t queue_batch,
                std::function<bool(std::uint64_t position)> owns)
      : owns_(std::move(owns))
    {
        log_ = std::move(*infra::open_embedded_log({ .dir = dir_.path() / "log", .sync = false }));
        store_ = std::move(*infra::open_kv_store({ .dir = dir_.path() / "read" }));
        auto sender =
          infra::open_smtp_sender({ .url = "smtp://127.0.0.1:" + std::to_string(port) });
        EXPECT_TRUE(sender.has_value());
        cli::mail_dispatcher_options options;
        options.mail = { k_mail_public_url, { "Ausbildungsportal", k_sender } };
        options.key = "test-key";
        options.queue_batch = queue_batch;
        options.owns = [this](events::position p, std::string_view) -> result<bool> {
            asked.push_back(p.value);
            return owns_(p.value);
        };
        auto opened =
          cli::mail_dispatcher::open(*log_, *store_, std::move(*sender), std::move(options));
        EXPECT_TRUE(opened.has_value());
        dispatcher_ = std::move(*opened);
    }

    /// Appends an event and queues a reminder mail to `recipient` for it
    /// (the outbox entry as the outbox model writes it); its position.
    std::uint64_t queue(const std::string& recipient)
    {
        events::append_request r;
        r.stream = "document-" + recipient;
        r.partition_key = "company-1";
        r.payloads.emplace_back(events::event_payload::build([](schema::Event::Builder b) {
                                    b.initDocument().initWithdrawn().setReason("test");
                                }).bytes());
        auto appended = log_->append(r);
        EXPECT_TRUE(appended.has_value());
        auto position = appended->first_position.value;
        auto id = fmt::format("{:016x}/00", position);
        json::object entry{ { "id", id },
                            { "position", position },
                            { "kind", "reminder" },
                            { "recipient", recipient },
                            { "cc", json::array{} },
                            { "subject", "Erinnerung" },
                            { "body", "Bitte denken Sie an Ihre Berichte." },
                            { "reference", json::object{} } };
        infra::write_batch batch;
        batch.put(std::string(cli::k_delivery_queue_prefix) + id, json::serialize(entry));
        EXPECT_TRUE(store_->write(batch, true).has_value());
        return position;
    }

    cli::dispatch_pass pass()
    {
        auto done = dispatcher_->dispatch_pending();
        EXPECT_TRUE(done.has_value()) << done.error().message;
        return done.value_or(cli::dispatch_pass{});
    }

    /// The ids still in the queue (`dq/`).
    std::size_t queued()
    {
        std::size_t n = 0;
        EXPECT_TRUE(store_
                      ->scan_prefix(cli::k_delivery_queue_prefix,
                                    [&](std::string_view, std::string_view) {
                                        ++n;
                                        return true;
                                    })
                      .has_value());
        return n;
    }

    /// The positions `owns` was asked about, in order.
    std::vector<std::uint64_t> asked;

  private:
    temp_dir dir_;
    std::function<bool(std::uint64_t)> owns_;
    std::unique_ptr<events::event_log> log_;
    std::unique_ptr<infra::kv_store> store_;
    std::unique_ptr<cli::mail_dispatcher> dispatcher_;
};

TEST_F(MailDelivery,
       ADueEntryBehindMoreWaitingEntriesThanTheQueueWindowIsSentWithinCeilNOverWindowPasses)
{
    smtp_sink sink(port, sink_root.path() / "in");
    ASSERT_TRUE(sink.start());
    constexpr std::size_t k_window = 8;
    constexpr std::size_t k_waiting = 2 * k_window + 3; // more than two windows in front
    std::uint64_t due_position = 0;
    queue_world world(port, k_window, [&](std::uint64_t p) { return p == due_position; });
    std::set<std::uint64_t> waiting;
    for (std::size_t i = 0; i < k_waiting; ++i) {
        waiting.insert(world.queue("wartet" + std::to_string(i) + "@andere-instanz.example"));
    }
    due_position = world.queue("faellig@firma.example"); // sorts after every waiting entry
    ASSERT_GT(due_position, *waiting.rbegin());

    // ceil(20 / 8) = 3 passes look at every queued entry (a window that
    // reaches the end of the queue is filled up from its start).
    constexpr std::size_t k_passes = (k_waiting + 1 + k_window - 1) / k_window;
    std::size_t sent = 0;
    for (std::size_t i = 0; i < k_passes; ++i) {
        auto pass = world.pass();
        EXPECT_LE(pass.sent + pass.waiting, k_window) << "pass " << i;
        sent += pass.sent;
    }
    EXPECT_EQ(sent, 1U);
    ASSERT_EQ(sink.messages().size(), 1U);
    EXPECT_TRUE(sink.messages().front().to("faellig@firma.example"));
    std::set<std::uint64_t> expected = waiting;
    expected.insert(due_position);
    EXPECT_EQ(std::set<std::uint64_t>(world.asked.begin(), world.asked.end()), expected);
    EXPECT_LE(world.asked.size(), k_passes * k_window);
    // The waiting entries stay queued, none was sent.
    EXPECT_EQ(world.queued(), k_waiting);

    // The window goes round: the next passes look at every waiting entry
    // again and send none of them.
    world.asked.clear();
    for (std::size_t i = 0; i < (k_waiting + k_window - 1) / k_window; ++i) {
        EXPECT_EQ(world.pass().sent, 0U);
    }
    EXPECT_EQ(std::set<std::uint64_t>(world.asked.begin(), world.asked.end()), waiting);
    EXPECT_EQ(sink.messages().size(), 1U);
    EXPECT_EQ(world.queued(), k_waiting);
}

TEST_F(MailDelivery, DueQueuedEntriesOfOneWindowGoInOutboxOrderAlsoWhenTheWindowWraps)
{
    smtp_sink sink(port, sink_root.path() / "in");
    ASSERT_TRUE(sink.start());
    std::set<std::uint64_t> mine;
    queue_world world(port, 4, [&](std::uint64_t p) { return mine.contains(p); });
    std::vector<std::uint64_t> positions;
    for (int i = 1; i <= 6; ++i) {
        positions.push_back(world.queue("empfaenger" + std::to_string(i) + "@firma.example"));
    }
    // The first pass looks at entries 1-4 (all waiting), the next starts at 5.
    auto first = world.pass();
    EXPECT_EQ(first.waiting, 4U);
    EXPECT_EQ(first.sent, 0U);
    // Now this instance owns entries 1, 2 and 6: the window 5, 6, 1, 2 sends
    // them in outbox order.
    mine = { positions[0], positions[1], positions[5] };
    auto second = world.pass();
    EXPECT_EQ(second.sent, 3U);
    EXPECT_EQ(second.waiting, 1U);
    const auto& got = sink.messages();
    ASSERT_EQ(got.size(), 3U);
    EXPECT_TRUE(got[0].to("empfaenger1@firma.example"));
    EXPECT_TRUE(got[1].to("empfaenger2@firma.example"));
    EXPECT_TRUE(got[2].to("empfaenger6@firma.example"));
    EXPECT_EQ(world.queued(), 3U);
}

} // namespace
} // namespace portal::testing
