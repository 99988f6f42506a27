#include "chamber/chamber.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace portal;
using namespace portal::domain;
using namespace portal::domain::chamber;

namespace {

const timestamp t0 = std::chrono::sys_days{ std::chrono::year{ 2026 } / 11 / 28 };

/// A table some chambers use: 100-90 = 1, 89-80 = 2, 79-65 = 3, 64-50 = 4,
/// 49-25 = 5, 24-0 = 6.
const grade_table k_other_table = {
    { 90, 1 }, { 80, 2 }, { 65, 3 }, { 50, 4 }, { 25, 5 }, { 0, 6 }
};

event_payload
settings_changed(std::uint8_t max_failed,
                 std::uint32_t lock_minutes,
                 const grade_table& table,
                 schema::PeriodKind kind = schema::PeriodKind::WEEK)
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initChamber().initSettingsChanged();
        b.setMaxFailedLogins(max_failed);
        b.setLockMinutes(lock_minutes);
        auto t = b.initGradeTable(static_cast<unsigned>(table.size()));
        for (unsigned i = 0; i < table.size(); ++i) {
            t[i].setMinPoints(table[i].min_points);
            t[i].setGrade(table[i].grade);
        }
        b.setPeriodKind(kind);
    });
}

event_payload
occupation_configured(std::string name, schema::PeriodKind kind, std::uint8_t months)
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initChamber().initOccupationConfigured();
        b.setOccupation(name);
        b.setPeriodKind(kind);
        b.setDurationMonths(months);
    });
}

context
as(role r)
{
    context c;
    c.actor.acting_as = r;
    c.actor.account_id = "x1";
    c.now = t0;
    return c;
}

std::vector<std::string>
names(const event_list& events)
{
    std::vector<std::string> out;
    for (const auto& e : events) {
        out.push_back(events::event_name(e.reader()));
    }
    return out;
}

template<class R>
void
expect_error(const R& r, std::string code, error_class cls)
{
    ASSERT_FALSE(r.has_value()) << "expected " << code;
    EXPECT_EQ(r.error().code, code);
    EXPECT_EQ(r.error().cls, cls);
}

struct ChamberGivenNothing : ::testing::Test
{
    state s;
};

struct ChamberGivenOtherTable : ::testing::Test
{
    state s = fold({ settings_changed(3, 60, k_other_table) });
};

} // namespace

// --- defaults and pure functions ---

TEST(ChamberDefaults, AreFiveFailuresOneDayWeeklyAndTheDomainGradeTable)
{
    auto d = default_settings();
    EXPECT_EQ(d.max_failed_logins, 5U);
    EXPECT_EQ(d.lock_minutes, 1440U);
    EXPECT_EQ(d.period_kind, period_kind::week);
    EXPECT_EQ(d.grade_table,
              (grade_table{ { 92, 1 }, { 81, 2 }, { 67, 3 }, { 50, 4 }, { 30, 5 }, { 0, 6 } }));
    EXPECT_FALSE(validate_grade_table(d.grade_table).has_value());
    EXPECT_EQ(state{}.current, d);
}

TEST(ChamberGradeFor, MapsTheDefaultTableAtEveryBoundary)
{
    auto t = default_settings().grade_table;
    struct case_
    {
        unsigned points;
        unsigned grade;
    };
    for (auto [points, grade] : std::vector<case_>{ { 100, 1 },
                                                    { 92, 1 },
                                                    { 91, 2 },
                                                    { 81, 2 },
                                                    { 80, 3 },
                                                    { 67, 3 },
                                                    { 66, 4 },
                                                    { 50, 4 },
                                                    { 49, 5 },
                                                    { 30, 5 },
                                                    { 29, 6 },
                                                    { 0, 6 } }) {
        auto g = grade_for(points, t);
        ASSERT_TRUE(g.has_value()) << points;
        EXPECT_EQ(*g, grade) << points << " points";
    }
}

TEST(ChamberGradeFor, RejectsPointsAboveHundredAndUncoveredPoints)
{
    EXPECT_FALSE(grade_for(101, default_settings().grade_table).has_value());
    EXPECT_FALSE(grade_for(10, grade_table{ { 50, 1 } }).has_value());
    EXPECT_FALSE(grade_for(0, grade_table{}).has_value());
}

TEST(ChamberGradeFor, UsesAConfiguredTable)
{
    EXPECT_EQ(grade_for(90, k_other_table), 1);
    EXPECT_EQ(grade_for(89, k_other_table), 2);
    EXPECT_EQ(grade_for(25, k_other_table), 5);
    EXPECT_EQ(grade_for(24, k_other_table), 6);
}

TEST(ChamberValidateGradeTable, NamesWhatIsWrong)
{
    auto code = [](const grade_table& t) {
        auto e = validate_grade_table(t);
        return e ? e->code : std::string("ok");
    };
    EXPECT_EQ(code(k_other_table), "ok");
    EXPECT_EQ(code({ { 101, 1 }, { 81, 2 }, { 67, 3 }, { 50, 4 }, { 30, 5 }, { 0, 6 } }),
              "chamber.grade_table_points_out_of_range");
    EXPECT_EQ(code({ { 92, 1 }, { 92, 2 }, { 67, 3 }, { 50, 4 }, { 30, 5 }, { 0, 6 } }),
              "chamber.grade_table_not_descending");
    EXPECT_EQ(code({ { 81, 1 }, { 92, 2 }, { 67, 3 }, { 50, 4 }, { 30, 5 }, { 0, 6 } }),
              "chamber.grade_table_not_descending");
    EXPECT_EQ(code({ { 92, 1 }, { 81, 2 }, { 67, 3 }, { 50, 4 }, { 30, 5 }, { 10, 6 } }),
              "chamber.grade_table_not_covering_zero");
    EXPECT_EQ(code({}), "chamber.grade_table_not_covering_zero");
    EXPECT_EQ(code({ { 92, 1 }, { 81, 2 }, { 67, 3 }, { 50, 4 }, { 0, 5 } }),
              "chamber.grade_table_grades");
    EXPECT_EQ(code({ { 92, 1 }, { 81, 3 }, { 67, 2 }, { 50, 4 }, { 30, 5 }, { 0, 6 } }),
              "chamber.grade_table_grades");
    EXPECT_EQ(code({ { 92, 0 }, { 81, 1 }, { 67, 2 }, { 50, 3 }, { 30, 4 }, { 0, 5 } }),
              "chamber.grade_table_grades");
}

// --- settings ---

TEST_F(ChamberGivenNothing, WhenStaffChangesLockoutThenSettingsChangedWithTheRest)
{
    change_settings c;
    c.max_failed_logins = 3;
    c.lock_minutes = 60;
    auto r = decide(s, c, as(role::staff));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "chamber.settings_changed" });
    auto b = r->at(0).reader().getChamber().getSettingsChanged();
    EXPECT_EQ(b.getMaxFailedLogins(), 3U);
    EXPECT_EQ(b.getLockMinutes(), 60U);
    ASSERT_EQ(b.getGradeTable().size(), 6U);
    EXPECT_EQ(b.getGradeTable()[0].getMinPoints(), 92U);
    EXPECT_EQ(b.getGradeTable()[5].getGrade(), 6U);
    EXPECT_EQ(b.getPeriodKind(), schema::PeriodKind::WEEK);
}

TEST_F(ChamberGivenOtherTable, WhenGradeTableChangedThenTheNewTableIsFolded)
{
    change_settings c;
    c.grade_table = default_settings().grade_table;
    c.period_kind = period_kind::day;
    auto r = decide(s, c, as(role::staff));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    for (const auto& e : *r) {
        s = evolve(std::move(s), e.reader());
    }
    EXPECT_EQ(s.current.grade_table, default_settings().grade_table);
    EXPECT_EQ(s.current.max_failed_logins, 3U);
    EXPECT_EQ(s.current.lock_minutes, 60U);
    EXPECT_EQ(s.current.period_kind, period_kind::day);
}

TEST_F(ChamberGivenOtherTable, WhenSameSettingsAgainThenNoEvents)
{
    change_settings c;
    c.max_failed_logins = 3;
    c.grade_table = k_other_table;
    auto r = decide(s, c, as(role::staff));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_TRUE(r->empty());
}

TEST_F(ChamberGivenNothing, WhenNonStaffChangesSettingsThenForbidden)
{
    change_settings c;
    c.max_failed_logins = 3;
    expect_error(decide(s, c, as(role::company)), "chamber.forbidden", error_class::forbidden);
    expect_error(decide(s, c, as(role::system)), "chamber.forbidden", error_class::forbidden);
}

TEST_F(ChamberGivenNothing, WhenLockoutOutOfRangeThenInvalid)
{
    change_settings c;
    c.max_failed_logins = 0;
    expect_error(
      decide(s, c, as(role::staff)), "validation.max_failed_logins", error_class::invalid);
    c.max_failed_logins = 101;
    expect_error(
      decide(s, c, as(role::staff)), "validation.max_failed_logins", error_class::invalid);
    c = {};
    c.lock_minutes = 0;
    expect_error(decide(s, c, as(role::staff)), "validation.lock_minutes", error_class::invalid);
    c.lock_minutes = 43201;
    expect_error(decide(s, c, as(role::staff)), "validation.lock_minutes", error_class::invalid);
}

TEST_F(ChamberGivenNothing, WhenGradeTableIsInvalidThenInvalidWithItsCode)
{
    auto code_of = [&](grade_table t) {
        change_settings c;
        c.grade_table = std::move(t);
        auto r = decide(s, c, as(role::staff));
        EXPECT_FALSE(r.has_value());
        EXPECT_EQ(r.error().cls, error_class::invalid);
        return r.error().code;
    };
    EXPECT_EQ(code_of({ { 120, 1 }, { 81, 2 }, { 67, 3 }, { 50, 4 }, { 30, 5 }, { 0, 6 } }),
              "chamber.grade_table_points_out_of_range");
    EXPECT_EQ(code_of({ { 50, 1 }, { 81, 2 }, { 67, 3 }, { 50, 4 }, { 30, 5 }, { 0, 6 } }),
              "chamber.grade_table_not_descending");
    EXPECT_EQ(code_of({ { 92, 1 }, { 81, 2 }, { 67, 3 }, { 50, 4 }, { 30, 5 }, { 5, 6 } }),
              "chamber.grade_table_not_covering_zero");
    EXPECT_EQ(code_of({ { 92, 1 }, { 81, 2 }, { 67, 3 }, { 50, 4 }, { 30, 5 }, { 0, 7 } }),
              "chamber.grade_table_grades");
}

// --- occupations ---

TEST_F(ChamberGivenNothing, WhenOccupationConfiguredThenConfiguredAndRepeatIsNoEvents)
{
    configure_occupation c{ "Koch/Köchin", period_kind::day, 36 };
    auto r = decide(s, c, as(role::staff));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "chamber.occupation_configured" });
    auto b = r->at(0).reader().getChamber().getOccupationConfigured();
    EXPECT_EQ(str(b.getOccupation()), "Koch/Köchin");
    EXPECT_EQ(b.getPeriodKind(), schema::PeriodKind::DAY);
    EXPECT_EQ(b.getDurationMonths(), 36U);
    for (const auto& e : *r) {
        s = evolve(std::move(s), e.reader());
    }
    EXPECT_EQ(period_kind_for(s, "Koch/Köchin"), period_kind::day);
    EXPECT_EQ(period_kind_for(s, "Bankkaufmann/-frau"), period_kind::week);
    auto again = decide(s, c, as(role::staff));
    ASSERT_TRUE(again.has_value());
    EXPECT_TRUE(again->empty());
}

TEST_F(ChamberGivenNothing, WhenOccupationReconfiguredThenConfiguredAgain)
{
    s = fold({ occupation_configured("Koch/Köchin", schema::PeriodKind::DAY, 36) });
    auto r =
      decide(s, configure_occupation{ "Koch/Köchin", period_kind::week, 36 }, as(role::staff));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(r->size(), 1U);
}

TEST_F(ChamberGivenNothing, WhenOccupationInputIsBadThenInvalid)
{
    expect_error(decide(s, configure_occupation{ " ", period_kind::week, 36 }, as(role::staff)),
                 "validation.occupation",
                 error_class::invalid);
    expect_error(
      decide(s, configure_occupation{ "Koch/Köchin", period_kind::week, 0 }, as(role::staff)),
      "validation.duration_months",
      error_class::invalid);
    expect_error(
      decide(s, configure_occupation{ "Koch/Köchin", period_kind::week, 61 }, as(role::staff)),
      "validation.duration_months",
      error_class::invalid);
    expect_error(
      decide(s, configure_occupation{ "Koch/Köchin", period_kind::week, 36 }, as(role::trainer)),
      "chamber.forbidden",
      error_class::forbidden);
}

TEST(ChamberPeriodKindFor, FallsBackToTheChamberDefault)
{
    state s =
      fold({ settings_changed(5, 1440, default_settings().grade_table, schema::PeriodKind::DAY) });
    EXPECT_EQ(period_kind_for(s, "Bankkaufmann/-frau"), period_kind::day);
}

// --- streams and evolve ---

TEST(ChamberStreams, AreTheSingleChamberStream)
{
    EXPECT_EQ(stream_id(), "chamber");
    EXPECT_EQ(partition_key(), "chamber");
}

TEST(ChamberEvolve, IgnoresEventsOfOtherAggregates)
{
    auto other =
      make_event([](schema::Event::Builder e) { e.initCompany().initPublicationConsentGiven(); });
    auto s = evolve(state{}, other.reader());
    EXPECT_FALSE(s.exists);
    EXPECT_EQ(s.current, default_settings());
}
