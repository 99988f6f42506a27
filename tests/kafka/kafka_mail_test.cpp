// Mail delivery with many `portal serve --kafka` instances (issue 6): two
// instances, both with `--smtp-url` of one real SMTP server (aiosmtpd,
// tests/support/smtp_sink.py). Each mail must arrive exactly once, sent by
// the instance that owns the partition of the event that caused it, with the
// outcome recorded once in the events topic (`mail.sent`) and shown by both
// instances; after a SIGKILL of one instance, the survivor sends the mails of
// the partitions it took over that were still undelivered, and none that was
// recorded as sent.

#include "kafka_nodes.hpp"
#include "portal/events/partition.hpp"
#include "portal/infra/secrets.hpp"
#include "portal_process.hpp"
#include "process.hpp"
#include "smtp_sink.hpp"
#include "test_support.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>

namespace portal::testing {
namespace {

namespace json = boost::json;

using namespace kafka_nodes;

/// The delivery records of `GET /api/v1/mail/deliveries` on `port` (all
/// pages).
json::array
deliveries(unsigned short port, const std::string& token)
{
    http_client c(port);
    return mail_delivery_records(c, token);
}

/// The records of `GET /api/v1/mail/deliveries` by recipient.
std::map<std::string, json::object>
records_by_recipient(unsigned short port, const std::string& token)
{
    std::map<std::string, json::object> out;
    for (auto& d : deliveries(port, token)) {
        const auto& o = d.as_object();
        out[std::string(o.at("recipient").as_string())] = o;
    }
    return out;
}

class KafkaMail : public cluster_test
{
  protected:
    void SetUp() override
    {
        cluster_test::SetUp();
        sink_ = std::make_unique<smtp_sink>(sink_port_, dir_.path() / "sink");
        ASSERT_TRUE(sink_->start());
    }

    void start(node& n)
    {
        cluster_test::start(n,
                            { "--workers",
                              "8",
                              "--public-url",
                              std::string(k_mail_public_url),
                              "--smtp-url",
                              "smtp://127.0.0.1:" + std::to_string(sink_port_) });
    }

    /// Creates an auditor account (its invitation is a mail of the
    /// account's partition) through `n`.
    void create_account(node& n, const std::string& email)
    {
        http_client c(n.port);
        auto r =
          c.post("/api/v1/accounts",
                 json_text({ { "role", "auditor" }, { "name", "Prüfer" }, { "email", email } }),
                 n.staff,
                 { { "Idempotency-Key", "mail-" + email } });
        ASSERT_EQ(r.status, 201U) << email << ": " << r.body;
    }

    /// `per_partition` e-mails per partition (`tag-<i>@firma.example`).
    std::vector<std::string> emails_on_every_partition(const std::string& tag, int per_partition)
    {
        std::map<std::uint32_t, int> count;
        std::vector<std::string> out;
        for (int i = 0; out.size() < k_partitions * per_partition && i < 1000; ++i) {
            auto email = fmt::format("{}-{}@firma.example", tag, i);
            auto p = events::partition_for("account-" + account_id(email), k_partitions);
            if (count[p] < per_partition) {
                ++count[p];
                out.push_back(email);
            }
        }
        EXPECT_EQ(out.size(), static_cast<std::size_t>(k_partitions * per_partition));
        return out;
    }

    /// Message-ID -> how many times it arrived.
    std::map<std::string, int> arrivals()
    {
        std::map<std::string, int> out;
        for (const auto& m : sink_->messages()) {
            ++out[m.message_id()];
        }
        return out;
    }

    /// Mail stream (`mail-<key>`) -> the types of its events in the topic.
    std::map<std::string, std::vector<std::string>> mail_events_in_topic() const
    {
        std::map<std::string, std::vector<std::string>> out;
        for (const auto& [key, type] : events_topic()) {
            if (key.starts_with("mail-")) {
                out[key].push_back(type);
            }
        }
        return out;
    }

    /// Waits until the sink has a mail to each of `emails`; returns
    /// recipient -> Message-ID.
    std::map<std::string, std::string> wait_for_mails(const std::vector<std::string>& emails)
    {
        std::map<std::string, std::string> out;
        bool ok = wait_until(
          [&] {
              for (const auto& m : sink_->messages()) {
                  for (const auto& to : m.rcpt_tos) {
                      out[to] = m.message_id();
                  }
              }
              return std::all_of(emails.begin(), emails.end(), [&](const std::string& e) {
                  return out.contains(e);
              });
          },
          std::chrono::seconds{ 90 });
        EXPECT_TRUE(ok) << out.size() << " of " << emails.size() << " mails arrived";
        return out;
    }

    unsigned short sink_port_ = free_port();
    std::unique_ptr<smtp_sink> sink_;
};

TEST_F(KafkaMail, TwoInstancesWithOneSmtpServerSendEachMailOnceAndFailoverSendsTheRest)
{
    auto& a = add_node("a");
    auto& b = add_node("b");
    add_staff(a.dir);
    start(a);
    start(b);

    // 1. Mails of every partition (so of both owners), commands through
    // either instance.
    auto first = emails_on_every_partition("eins", 2);
    for (std::size_t i = 0; i < first.size(); ++i) {
        create_account(i % 2 == 0 ? a : b, first[i]);
    }
    auto first_ids = wait_for_mails(first);
    // Both instances show every one as sent (one sent it, the other read
    // the outcome from the log), with the Message-ID that arrived.
    for (auto* n : { &a, &b }) {
        std::map<std::string, json::object> records;
        bool all_sent = wait_until(
          [&] {
              records = records_by_recipient(n->port, n->staff);
              return std::all_of(first.begin(), first.end(), [&](const std::string& e) {
                  return records.contains(e) && records[e].at("status").as_string() == "sent";
              });
          },
          std::chrono::seconds{ 60 });
        EXPECT_TRUE(all_sent) << n->name << " does not show every mail as sent";
        for (const auto& e : first) {
            if (records.contains(e)) {
                EXPECT_EQ(records[e].at("messageId").as_string(), first_ids[e]) << n->name << e;
            }
        }
    }
    // Nothing arrives twice, even after a while.
    std::this_thread::sleep_for(std::chrono::seconds{ 2 });
    auto counted = arrivals();
    EXPECT_EQ(sink_->messages().size(), first.size());
    for (const auto& [id, n] : counted) {
        EXPECT_EQ(n, 1) << id << " arrived " << n << " times";
    }

    // 2. The server goes down; new mails of every partition wait on their
    // owners (each has a `pending` record only on the instance that owns
    // the mail's partition and tried it).
    sink_->stop();
    auto second = emails_on_every_partition("zwei", 1);
    for (std::size_t i = 0; i < second.size(); ++i) {
        create_account(i % 2 == 0 ? a : b, second[i]);
    }
    std::set<std::string> tried_by_a;
    std::set<std::string> tried_by_b;
    ASSERT_TRUE(wait_until(
      [&] {
          tried_by_a.clear();
          tried_by_b.clear();
          for (auto& [to, r] : records_by_recipient(a.port, a.staff)) {
              if (r.at("status").as_string() == "pending") {
                  tried_by_a.insert(to);
              }
          }
          for (auto& [to, r] : records_by_recipient(b.port, b.staff)) {
              if (r.at("status").as_string() == "pending") {
                  tried_by_b.insert(to);
              }
          }
          return tried_by_a.size() + tried_by_b.size() == second.size();
      },
      std::chrono::seconds{ 60 }))
      << tried_by_a.size() << " pending on a, " << tried_by_b.size() << " on b";
    for (const auto& e : tried_by_a) {
        EXPECT_FALSE(tried_by_b.contains(e)) << e << " was tried by both instances";
    }
    ASSERT_FALSE(tried_by_a.empty()) << "a owns no partition";
    ASSERT_FALSE(tried_by_b.empty()) << "b owns no partition";

    // 3. a dies with its mails undelivered; the server comes back. b takes
    // a's partitions over and sends a's mails (and its own) exactly once,
    // and none of the first round again.
    a.process->kill_now();
    ASSERT_TRUE(sink_->start());
    auto second_ids = wait_for_mails(second);
    ASSERT_TRUE(wait_until(
      [&] {
          auto records = records_by_recipient(b.port, b.staff);
          return std::all_of(second.begin(), second.end(), [&](const std::string& e) {
              return records.contains(e) && records[e].at("status").as_string() == "sent";
          });
      },
      std::chrono::seconds{ 60 }));
    std::this_thread::sleep_for(std::chrono::seconds{ 2 });
    counted = arrivals();
    EXPECT_EQ(sink_->messages().size(), first.size() + second.size());
    for (const auto& [id, n] : counted) {
        EXPECT_EQ(n, 1) << id << " arrived " << n << " times";
    }
    for (const auto& e : second) {
        EXPECT_EQ(counted[second_ids[e]], 1) << e;
    }

    // The topic: one outcome per mail, each `mail.sent`.
    auto outcomes = mail_events_in_topic();
    EXPECT_EQ(outcomes.size(), first.size() + second.size());
    for (const auto& [stream, types] : outcomes) {
        EXPECT_EQ(types, std::vector<std::string>{ "mail.sent" }) << stream;
    }
    for (const auto& [to, id] : first_ids) {
        EXPECT_TRUE(outcomes.contains("mail-" + id.substr(0, id.find('@')))) << to;
    }
    for (const auto& [to, id] : second_ids) {
        EXPECT_TRUE(outcomes.contains("mail-" + id.substr(0, id.find('@')))) << to;
    }
}

} // namespace
} // namespace portal::testing
