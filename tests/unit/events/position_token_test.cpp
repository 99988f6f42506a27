#include "portal/events/position_token.hpp"

#include <gtest/gtest.h>

using namespace portal;
using events::partition_offsets;

namespace {

partition_offsets
offsets_of(std::string_view text)
{
    auto t = events::parse_token(text);
    EXPECT_TRUE(t.has_value()) << text;
    if (!t || !std::holds_alternative<partition_offsets>(*t)) {
        ADD_FAILURE() << text << " is not partition offsets";
        return {};
    }
    return std::get<partition_offsets>(*t);
}

} // namespace

TEST(PositionToken, APlainDecimalIsALocalPosition)
{
    for (std::string_view text : { "0", "1042", "18446744073709551615" }) {
        auto t = events::parse_token(text);
        ASSERT_TRUE(t.has_value()) << text;
        ASSERT_TRUE(std::holds_alternative<events::position>(*t)) << text;
    }
    EXPECT_EQ(std::get<events::position>(*events::parse_token("1042")).value, 1042U);
}

TEST(PositionToken, PartitionOffsetsRoundTrip)
{
    EXPECT_EQ(offsets_of("3:1042"), (partition_offsets{ { 3, 1042 } }));
    EXPECT_EQ(offsets_of("0:0,3:1042,7:18"),
              (partition_offsets{ { 0, 0 }, { 3, 1042 }, { 7, 18 } }));
    for (std::string_view text : { "3:1042", "0:0,3:1042,7:18", "4095:9223372036854775807" }) {
        EXPECT_EQ(events::format_token(offsets_of(text)), text);
    }
    // No offsets: the position before the first event, which waits for
    // nothing (a plain decimal, so every log accepts it).
    EXPECT_EQ(events::format_token({}), "0");
}

TEST(PositionToken, MalformedTokensAreValidationErrors)
{
    for (std::string_view text : { "",
                                   "soon",
                                   "-1",
                                   "+1",
                                   " 1",
                                   "1 ",
                                   "18446744073709551616",
                                   "3:",
                                   ":3",
                                   "3:-1",
                                   "3:+1",
                                   "3:1,",
                                   ",3:1",
                                   "3:1,,4:1",
                                   "3:1;4:1",
                                   "3:1:2",
                                   "3:1, 4:2",
                                   "7:1,3:2",               // not ascending
                                   "3:1,3:2",               // a partition twice
                                   "4294967296:1",          // not a partition number
                                   "3:9223372036854775808", // beyond int64
                                   "3:0x10" }) {
        auto t = events::parse_token(text);
        ASSERT_FALSE(t.has_value()) << "'" << text << "'";
        EXPECT_EQ(t.error().code, "validation.position") << text;
        EXPECT_EQ(t.error().cls, error_class::invalid) << text;
    }
}

TEST(PositionToken, TooManyPartitionsAreRefused)
{
    std::string text;
    for (std::size_t p = 0; p <= events::k_max_token_partitions; ++p) {
        text += (p == 0 ? "" : ",") + std::to_string(p) + ":1";
    }
    EXPECT_FALSE(events::parse_token(text).has_value());
}

TEST(PositionToken, MergeKeepsTheHighestOffsetPerPartition)
{
    partition_offsets a{ { 1, 10 }, { 3, 5 } };
    events::merge_offsets(a, { { 0, 2 }, { 3, 9 }, { 4, 1 } });
    EXPECT_EQ(a, (partition_offsets{ { 0, 2 }, { 1, 10 }, { 3, 9 }, { 4, 1 } }));
    events::merge_offsets(a, { { 1, 3 } });
    EXPECT_EQ(a, (partition_offsets{ { 0, 2 }, { 1, 10 }, { 3, 9 }, { 4, 1 } }));
    partition_offsets empty;
    events::merge_offsets(empty, a);
    EXPECT_EQ(empty, a);
    EXPECT_EQ(events::format_token(a), "0:2,1:10,3:9,4:1");
}
