// The snapshot codec (common/snapshot.hpp) on every aggregate's state:
// each field survives the round trip, damaged bytes are refused, and the
// tag tells different layouts apart.

#include "access_grant/access_grant.hpp"
#include "account/account.hpp"
#include "chamber/chamber.hpp"
#include "common/snapshot.hpp"
#include "company/company.hpp"
#include "contract/contract.hpp"
#include "document/document.hpp"
#include "exam/exam.hpp"
#include "examiner/examiner.hpp"
#include "mail/mail.hpp"
#include "proposal/proposal.hpp"
#include "reminder/reminder.hpp"
#include "report/report.hpp"
#include "seminar/seminar.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace portal;
using namespace portal::domain;
namespace detail = portal::domain::snapshot::detail;

namespace {

/// Gives every field of `v` a value that differs from its default and from
/// every other field's (`n` counts up), two elements per container.
template<class T>
void
fill(T& v, int& n)
{
    ++n;
    if constexpr (std::same_as<T, bool>) {
        v = true;
    } else if constexpr (std::is_enum_v<T>) {
        v = static_cast<T>(1);
    } else if constexpr (std::is_integral_v<T>) {
        v = static_cast<T>(n % 100 + 1);
    } else if constexpr (std::same_as<T, std::string>) {
        v = "wert-" + std::to_string(n) + " äöü";
    } else if constexpr (std::same_as<T, date>) {
        v = std::chrono::year{ 2020 + n % 7 } / std::chrono::month{ 1U + n % 12 } /
            std::chrono::day{ 1U + n % 28 };
    } else if constexpr (std::same_as<T, timestamp>) {
        v = timestamp{ std::chrono::microseconds{ 1'700'000'000'000'000LL + n } };
    } else if constexpr (detail::is_optional<T>::value) {
        typename T::value_type x{};
        fill(x, n);
        v = std::move(x);
    } else if constexpr (detail::is_vector<T>::value) {
        v.resize(2);
        for (auto& e : v) {
            fill(e, n);
        }
    } else if constexpr (detail::is_map<T>::value) {
        for (int i = 0; i < 2; ++i) {
            typename T::key_type k{};
            typename T::mapped_type x{};
            fill(k, n);
            fill(x, n);
            v.emplace(std::move(k), std::move(x));
        }
    } else {
        boost::pfr::for_each_field(v, [&](auto& f) { fill(f, n); });
    }
}

template<class State>
void
expect_round_trip()
{
    State s{};
    int n = 0;
    fill(s, n);
    auto bytes = snapshot::encode(s);
    EXPECT_NE(bytes, snapshot::encode(State{})) << "every field is filled";
    auto back = snapshot::decode<State>(bytes);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(snapshot::encode(*back), bytes);
    // Every proper prefix and every extension is refused.
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
        EXPECT_FALSE(snapshot::decode<State>(bytes.substr(0, cut)).has_value()) << cut;
    }
    EXPECT_FALSE(snapshot::decode<State>(bytes + "x").has_value());
}

TEST(Snapshot, EveryAggregateStateSurvivesTheRoundTrip)
{
    expect_round_trip<account::state>();
    expect_round_trip<access_grant::state>();
    expect_round_trip<chamber::state>();
    expect_round_trip<company::state>();
    expect_round_trip<contract::state>();
    expect_round_trip<document::state>();
    expect_round_trip<exam::state>();
    expect_round_trip<examiner::state>();
    expect_round_trip<mail::state>();
    expect_round_trip<proposal::state>();
    expect_round_trip<reminder::state>();
    expect_round_trip<report::state>();
    expect_round_trip<seminar::state>();
}

TEST(Snapshot, FieldsComeBackWithTheirValues)
{
    contract::state c;
    c.exists = true;
    c.trainee_name = "Lena Hoffmann";
    c.start_date = std::chrono::year{ 2025 } / 8 / 1;
    c.trainer_ids = { "t-1", "t-2" };
    c.end_reason = schema::EndReason::REGULAR;
    c.personal_data_erased = true;
    auto back = snapshot::decode<contract::state>(snapshot::encode(c));
    ASSERT_TRUE(back.has_value());
    EXPECT_TRUE(back->exists);
    EXPECT_TRUE(back->personal_data_erased);
    EXPECT_EQ(back->trainee_name, "Lena Hoffmann");
    EXPECT_EQ(back->start_date, c.start_date);
    EXPECT_EQ(back->trainer_ids, c.trainer_ids);

    account::state a;
    a.locked_until = timestamp{ std::chrono::microseconds{ -5 } };
    auto a_back = snapshot::decode<account::state>(snapshot::encode(a));
    ASSERT_TRUE(a_back.has_value());
    EXPECT_EQ(a_back->locked_until, a.locked_until);
    EXPECT_FALSE(a_back->invitation.has_value());

    // The chamber's defaults are part of its state, not of the decoder.
    chamber::state ch;
    ch.current.max_failed_logins = 9;
    auto ch_back = snapshot::decode<chamber::state>(snapshot::encode(ch));
    ASSERT_TRUE(ch_back.has_value());
    EXPECT_EQ(ch_back->current, ch.current);
}

struct shape_a
{
    int x = 0;
    std::string y;
};
struct shape_b
{
    int x = 0;
    std::string y;
    bool z = false;
};

TEST(Snapshot, TagsTellLayoutsApart)
{
    std::set<std::string> tags{
        snapshot::tag<account::state>(),  snapshot::tag<company::state>(),
        snapshot::tag<contract::state>(), snapshot::tag<report::state>(),
        snapshot::tag<exam::state>(),     snapshot::tag<chamber::state>(),
        snapshot::tag<document::state>(), snapshot::tag<examiner::state>(),
        snapshot::tag<proposal::state>(), snapshot::tag<seminar::state>(),
        snapshot::tag<reminder::state>(), snapshot::tag<access_grant::state>(),
        snapshot::tag<mail::state>(),     snapshot::tag<shape_a>(),
        snapshot::tag<shape_b>()
    };
    EXPECT_EQ(tags.size(), 15U);
    EXPECT_EQ(snapshot::tag<report::state>(), snapshot::tag<report::state>());
    EXPECT_EQ(snapshot::tag<shape_a>().size(), 16U);
}

} // namespace
