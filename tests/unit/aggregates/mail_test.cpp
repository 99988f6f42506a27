// Given/When/Then specification of the recorded mail deliveries (the outcome
// of one outbox mail, shared by every portal instance through the log).

#include "decision_matchers.hpp"
#include "mail/mail.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace portal;
using namespace portal::domain;
using namespace portal::testing;
using namespace portal::domain::mail;

namespace {

const events::uuid k_source{ 0x01, 0x93, 0x6a, 0x2b, 0x00, 0x00, 0x70, 0x00,
                             0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a };

context
dispatcher()
{
    context ctx;
    ctx.actor.acting_as = role::system;
    ctx.now = at("2026-11-29");
    return ctx;
}

record_delivery
sent(std::uint32_t attempts = 1)
{
    record_delivery c;
    c.source_event_id = k_source;
    c.index = 1;
    c.kind = "invitation";
    c.message_id = "<01936a2b00007000800000000000002a-01@ihk.example>";
    c.attempts = attempts;
    c.sent = true;
    return c;
}

record_delivery
failed(std::string reason = "550 no such user")
{
    auto c = sent(3);
    c.sent = false;
    c.reason = std::move(reason);
    return c;
}

/// The state after the decision's events.
state
after(state s, const decision& d)
{
    EXPECT_TRUE(d.has_value());
    if (d) {
        for (const auto& e : *d) {
            s = evolve(std::move(s), e.reader());
        }
    }
    return s;
}

} // namespace

TEST(MailRecordDelivery, GivenNoOutcomeWhenTheDispatcherRecordsASentMailThenMailSent)
{
    auto d = decide(state{}, sent(2), dispatcher());
    ASSERT_TRUE(yields(d, "mail.sent"));
    auto e = d->front().reader().getMail().getSent();
    EXPECT_EQ(text(e.getMessageId()), sent().message_id);
    EXPECT_EQ(e.getAttempts(), 2U);
    EXPECT_EQ(e.getIndex(), 1U);
    EXPECT_EQ(text(e.getKind()), "invitation");
    ASSERT_EQ(e.getSourceEventId().size(), 16U);
    EXPECT_EQ(e.getSourceEventId()[15], 0x2a);

    auto s = after(state{}, d);
    EXPECT_TRUE(s.exists);
    EXPECT_TRUE(s.sent);
    EXPECT_EQ(s.message_id, sent().message_id);
    EXPECT_EQ(s.attempts, 2U);
}

TEST(MailRecordDelivery, GivenNoOutcomeWhenTheDispatcherRecordsAFailureThenMailFailedWithReason)
{
    auto d = decide(state{}, failed(), dispatcher());
    ASSERT_TRUE(yields(d, "mail.failed"));
    EXPECT_EQ(text(d->front().reader().getMail().getFailed().getReason()), "550 no such user");
    auto s = after(state{}, d);
    EXPECT_TRUE(s.exists);
    EXPECT_FALSE(s.sent);
    EXPECT_EQ(s.reason, "550 no such user");
    EXPECT_EQ(s.attempts, 3U);
}

TEST(MailRecordDelivery, GivenARecordedOutcomeWhenRecordedAgainThenNothingAndTheFirstOutcomeStands)
{
    auto s = after(state{}, decide(state{}, sent(), dispatcher()));
    EXPECT_TRUE(nothing(decide(s, sent(), dispatcher())));
    EXPECT_TRUE(nothing(decide(s, failed(), dispatcher())));

    // Even a second event folded in (two recorders) keeps the first outcome.
    auto twice = after(s, decide(state{}, failed(), dispatcher()));
    EXPECT_TRUE(twice.sent);
    EXPECT_TRUE(twice.reason.empty());
}

TEST(MailRecordDelivery, GivenAnyStateWhenSomeoneButTheSystemRecordsThenForbidden)
{
    for (auto r : { role::staff, role::trainee, role::auditor }) {
        auto ctx = dispatcher();
        ctx.actor.acting_as = r;
        ctx.actor.account_id = "acc-1";
        EXPECT_TRUE(
          fails_with(decide(state{}, sent(), ctx), "mail.not_allowed", error_class::forbidden));
    }
}

TEST(MailRecordDelivery, GivenNoOutcomeWhenTheRecordIsIncompleteThenValidationErrors)
{
    auto no_source = sent();
    no_source.source_event_id = {};
    EXPECT_TRUE(fails_with(decide(state{}, no_source, dispatcher()),
                           "validation.source_event_id",
                           error_class::invalid));
    auto no_id = sent();
    no_id.message_id = "  ";
    EXPECT_TRUE(fails_with(
      decide(state{}, no_id, dispatcher()), "validation.message_id", error_class::invalid));
    EXPECT_TRUE(fails_with(
      decide(state{}, sent(0), dispatcher()), "validation.attempts", error_class::invalid));
    EXPECT_TRUE(fails_with(
      decide(state{}, failed(""), dispatcher()), "validation.reason", error_class::invalid));
    // A failure may have no attempt at all (an entry that cannot be rendered).
    auto unrenderable = failed("mail.bad_entry");
    unrenderable.attempts = 0;
    EXPECT_TRUE(yields(decide(state{}, unrenderable, dispatcher()), "mail.failed"));
}

TEST(MailStreams, TheEntryKeyIsTheSourceEventIdInHexAndTheTwoDigitIndex)
{
    EXPECT_EQ(entry_key(k_source, 1), "01936a2b00007000800000000000002a-01");
    EXPECT_EQ(entry_key(k_source, 12), "01936a2b00007000800000000000002a-12");
    EXPECT_EQ(stream_id(entry_key(k_source, 0)), "mail-01936a2b00007000800000000000002a-00");
}

TEST(MailFold, FoldsFromTheEmptyState)
{
    auto d = decide(state{}, sent(), dispatcher());
    ASSERT_TRUE(d.has_value());
    auto s = fold(*d);
    EXPECT_TRUE(s.exists);
    EXPECT_TRUE(s.sent);
}
