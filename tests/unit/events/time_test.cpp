#include "portal/events/time.hpp"

#include <gtest/gtest.h>

using namespace portal;

TEST(Dates, ParseAndFormatRoundTrip)
{
    auto d = parse_date("2026-02-28");
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(format_date(*d), "2026-02-28");
}

TEST(Dates, InvalidDatesAreRejected)
{
    EXPECT_FALSE(parse_date("2026-02-29").has_value());
    EXPECT_FALSE(parse_date("2026-13-01").has_value());
    EXPECT_FALSE(parse_date("2026-1-01").has_value());
    EXPECT_FALSE(parse_date("20260101").has_value());
    EXPECT_FALSE(parse_date("2026-01-0x").has_value());
    EXPECT_FALSE(parse_date("").has_value());
    EXPECT_TRUE(parse_date("2024-02-29").has_value());
}

TEST(Rfc3339, ParsesUtcAndOffsets)
{
    auto t = parse_rfc3339("2026-11-28T14:30:00Z");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(format_rfc3339(*t), "2026-11-28T14:30:00Z");
    auto o = parse_rfc3339("2026-11-28T15:30:00+01:00");
    ASSERT_TRUE(o.has_value());
    EXPECT_EQ(*o, *t);
    auto f = parse_rfc3339("2026-11-28T14:30:00.25Z");
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(format_rfc3339(*f), "2026-11-28T14:30:00.250000Z");
}

TEST(Rfc3339, RejectsGarbage)
{
    EXPECT_FALSE(parse_rfc3339("2026-11-28").has_value());
    EXPECT_FALSE(parse_rfc3339("2026-11-28T25:00:00Z").has_value());
    EXPECT_FALSE(parse_rfc3339("2026-11-28T14:30:00").has_value());
    EXPECT_FALSE(parse_rfc3339("2026-11-28T14:30:00Zjunk").has_value());
    EXPECT_FALSE(parse_rfc3339("2026-11-28T14:30:00.Z").has_value());
}

TEST(IsoWeeks, KnownWeeks)
{
    // 2026-11-28 is a Saturday in ISO week 48 of 2026.
    EXPECT_EQ(iso_week_of(*parse_date("2026-11-28")), (iso_week{ 2026, 48 }));
    // 2027-01-01 (Friday) still belongs to week 53 of 2026.
    EXPECT_EQ(iso_week_of(*parse_date("2027-01-01")), (iso_week{ 2026, 53 }));
    // 2024-12-30 (Monday) is week 1 of 2025.
    EXPECT_EQ(iso_week_of(*parse_date("2024-12-30")), (iso_week{ 2025, 1 }));
    EXPECT_EQ(iso_weeks_in_year(2026), 53U);
    EXPECT_EQ(iso_weeks_in_year(2025), 52U);
}

TEST(IsoWeeks, MondayOfWeek)
{
    EXPECT_EQ(format_date(*monday_of({ 2026, 48 })), "2026-11-23");
    EXPECT_EQ(format_date(*monday_of({ 2025, 1 })), "2024-12-30");
    EXPECT_FALSE(monday_of({ 2025, 53 }).has_value());
    EXPECT_FALSE(monday_of({ 2025, 0 }).has_value());
}
