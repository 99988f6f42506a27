#include "access_grant/access_grant.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace portal;
using namespace portal::domain;
using namespace portal::domain::access_grant;
using namespace std::chrono_literals;

namespace {

const timestamp t0 = std::chrono::sys_days{ std::chrono::year{ 2026 } / 11 / 28 };
constexpr std::int64_t k_day_us = 24LL * 3600 * 1'000'000;

event_payload
granted(std::uint16_t days, timestamp at)
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initAccessGrant().initGranted();
        b.setContractId("k1");
        b.setDays(days);
        b.setExpiresAt(to_micros(at + std::chrono::days(days)));
    });
}

event_payload
revoked()
{
    return make_event([](schema::Event::Builder e) { e.initAccessGrant().initRevoked(); });
}

/// The trainee of contract k1 is account a-t.
context
as(role r, std::string account, timestamp now = t0)
{
    context c;
    c.actor.acting_as = r;
    c.actor.account_id = std::move(account);
    c.trainee_account_id = "a-t";
    c.now = now;
    return c;
}

context
trainee(timestamp now = t0)
{
    return as(role::trainee, "a-t", now);
}

schema::AccessGrantEvent::Reader
ev(const event_list& events, std::size_t i = 0)
{
    return events.at(i).reader().getAccessGrant();
}

template<class R>
void
expect_error(const R& r, std::string code, error_class cls)
{
    ASSERT_FALSE(r.has_value()) << "expected " << code;
    EXPECT_EQ(r.error().code, code);
    EXPECT_EQ(r.error().cls, cls);
}

struct AccessGrantGivenNothing : ::testing::Test
{
    state s;
};

struct AccessGrantGivenGranted30Days : ::testing::Test
{
    state s = fold({ granted(30, t0) });
};

struct AccessGrantGivenRevoked : ::testing::Test
{
    state s = fold({ granted(30, t0), revoked() });
};

} // namespace

TEST_F(AccessGrantGivenNothing, WhenTraineeGrantsWithoutDaysThenNinetyDays)
{
    auto r = decide(s, grant_access{ "k1", std::nullopt }, trainee());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(r->size(), 1U);
    EXPECT_EQ(events::event_name(r->at(0).reader()), "access_grant.granted");
    auto g = ev(*r).getGranted();
    EXPECT_EQ(str(g.getContractId()), "k1");
    EXPECT_EQ(g.getDays(), 90U);
    EXPECT_EQ(g.getExpiresAt(), to_micros(t0) + 90 * k_day_us);
}

TEST_F(AccessGrantGivenNothing, WhenTraineeGrantsFourteenOrTwoHundredDaysThenGranted)
{
    auto r14 = decide(s, grant_access{ "k1", 14 }, trainee());
    ASSERT_TRUE(r14.has_value()) << r14.error().code;
    EXPECT_EQ(ev(*r14).getGranted().getExpiresAt(), to_micros(t0) + 14 * k_day_us);
    auto r200 = decide(s, grant_access{ "k1", 200 }, trainee());
    ASSERT_TRUE(r200.has_value()) << r200.error().code;
    EXPECT_EQ(ev(*r200).getGranted().getDays(), 200U);
}

TEST_F(AccessGrantGivenNothing, WhenDaysOutsideFourteenToTwoHundredThenInvalid)
{
    expect_error(
      decide(s, grant_access{ "k1", 13 }, trainee()), "validation.days", error_class::invalid);
    expect_error(
      decide(s, grant_access{ "k1", 201 }, trainee()), "validation.days", error_class::invalid);
    expect_error(
      decide(s, grant_access{ "k1", 0 }, trainee()), "validation.days", error_class::invalid);
}

TEST_F(AccessGrantGivenNothing, WhenContractMissingThenInvalid)
{
    expect_error(
      decide(s, grant_access{ "", 30 }, trainee()), "validation.contract_id", error_class::invalid);
}

TEST_F(AccessGrantGivenNothing, WhenSomeoneOtherThanTheTraineeGrantsThenForbidden)
{
    expect_error(decide(s, grant_access{ "k1", 30 }, as(role::trainee, "a-other")),
                 "access_grant.forbidden",
                 error_class::forbidden);
    expect_error(decide(s, grant_access{ "k1", 30 }, as(role::staff, "st1")),
                 "access_grant.forbidden",
                 error_class::forbidden);
    expect_error(decide(s, grant_access{ "k1", 30 }, as(role::company, "a-t")),
                 "access_grant.forbidden",
                 error_class::forbidden);
    auto no_account = trainee();
    no_account.trainee_account_id.clear();
    no_account.actor.account_id.clear();
    expect_error(decide(s, grant_access{ "k1", 30 }, no_account),
                 "access_grant.forbidden",
                 error_class::forbidden);
}

TEST_F(AccessGrantGivenNothing, WhenRevokedThenNotFound)
{
    expect_error(
      decide(s, revoke_access{}, trainee()), "access_grant.not_found", error_class::not_found);
}

TEST_F(AccessGrantGivenGranted30Days, WhenQueriedThenActiveUntilExpiry)
{
    EXPECT_TRUE(active(s, t0));
    EXPECT_TRUE(active(s, t0 + std::chrono::days(30) - 1us));
    EXPECT_FALSE(active(s, t0 + std::chrono::days(30)));
    EXPECT_FALSE(active(state{}, t0));
}

TEST_F(AccessGrantGivenGranted30Days, WhenGrantedAgainWhileActiveThenReplacedAndExtended)
{
    auto later = t0 + std::chrono::days(20);
    auto r = decide(s, grant_access{ "k1", 60 }, trainee(later));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(r->size(), 1U);
    EXPECT_EQ(ev(*r).getGranted().getExpiresAt(), to_micros(later) + 60 * k_day_us);
    for (const auto& e : *r) {
        s = evolve(std::move(s), e.reader());
    }
    EXPECT_TRUE(active(s, t0 + std::chrono::days(79)));
    EXPECT_FALSE(active(s, t0 + std::chrono::days(80)));
}

TEST_F(AccessGrantGivenGranted30Days, WhenGrantedForAnotherContractThenInvalid)
{
    expect_error(decide(s, grant_access{ "k2", 30 }, trainee()),
                 "validation.contract_id",
                 error_class::invalid);
}

TEST_F(AccessGrantGivenGranted30Days, WhenTraineeRevokesThenRevokedAndInactive)
{
    auto r = decide(s, revoke_access{}, trainee(t0 + 1h));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(r->size(), 1U);
    EXPECT_EQ(events::event_name(r->at(0).reader()), "access_grant.revoked");
    for (const auto& e : *r) {
        s = evolve(std::move(s), e.reader());
    }
    EXPECT_FALSE(active(s, t0 + 2h));
}

TEST_F(AccessGrantGivenGranted30Days, WhenStaffRevokesThenForbidden)
{
    expect_error(decide(s, revoke_access{}, as(role::staff, "st1")),
                 "access_grant.forbidden",
                 error_class::forbidden);
}

TEST_F(AccessGrantGivenGranted30Days, WhenRevokedAfterExpiryThenNoEvents)
{
    auto r = decide(s, revoke_access{}, trainee(t0 + std::chrono::days(31)));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_TRUE(r->empty());
}

TEST_F(AccessGrantGivenRevoked, WhenRevokedAgainThenNoEvents)
{
    auto r = decide(s, revoke_access{}, trainee());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_TRUE(r->empty());
    EXPECT_FALSE(active(s, t0));
}

TEST_F(AccessGrantGivenRevoked, WhenGrantedAgainThenActiveAgain)
{
    auto r = decide(s, grant_access{ "k1", std::nullopt }, trainee(t0 + 1h));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    for (const auto& e : *r) {
        s = evolve(std::move(s), e.reader());
    }
    EXPECT_TRUE(active(s, t0 + 2h));
}

TEST(AccessGrantStreams, AreNamedAfterTheContractInTheCompanysPartition)
{
    EXPECT_EQ(stream_id("k1"), "grant-k1");
    EXPECT_EQ(partition_key("c1"), "company-c1");
}

TEST(AccessGrantEvolve, IgnoresEventsOfOtherAggregates)
{
    auto other =
      make_event([](schema::Event::Builder e) { e.initCompany().initPublicationConsentGiven(); });
    EXPECT_FALSE(evolve(state{}, other.reader()).exists);
}
