#include "portal/events/message.hpp"
#include "portal/events/personal_data.hpp"
#include "portal/infra/crypto.hpp"
#include "portal/infra/personal_seal.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <map>

using namespace portal;
using namespace portal::infra;

namespace {

/// A stored envelope of `account.created` for `erika@example.org`, sealed
/// with `keys` (created on demand into the map; "" = erased).
std::string
sealed_account(std::map<std::string, std::string>& keys, const std::string& stream = "account-a1")
{
    crypto_init();
    capnp::MallocMessageBuilder b;
    auto env = b.initRoot<schema::Envelope>();
    auto id = uuid_v7(timestamp{});
    env.setEventId(capnp::Data::Reader(id.data(), id.size()));
    env.setStreamId(stream);
    env.setStreamVersion(1);
    auto c = env.initPayload().initAccount().initCreated();
    c.setEmail("erika@example.org");
    c.setName("Erika Mustermann");
    c.setAccountId("a1");
    seal_personal_data(env, [&](const std::string& subject) -> std::optional<std::string> {
        auto it = keys.find(subject);
        if (it == keys.end()) {
            it = keys.emplace(subject, new_subject_key()).first;
        }
        if (it->second.empty()) {
            return std::nullopt;
        }
        return it->second;
    });
    auto words = capnp::messageToFlatArray(b);
    return std::string(reinterpret_cast<const char*>(words.begin()), words.size() * 8);
}

subject_key_lookup
lookup_in(const std::map<std::string, std::string>& keys)
{
    return [&keys](std::string_view subject) {
        auto it = keys.find(std::string(subject));
        if (it == keys.end()) {
            return subject_key{};
        }
        if (it->second.empty()) {
            return subject_key{ subject_key::state::erased, {} };
        }
        return subject_key{ subject_key::state::present, it->second };
    };
}

std::vector<std::string>
values_of(const std::string& envelope_bytes)
{
    auto env = events::envelope::decode(envelope_bytes);
    EXPECT_TRUE(env.has_value());
    auto r = env->reader();
    auto groups = events::personal_data(r.getStreamId().cStr(), r.getPayload());
    return groups.empty() ? std::vector<std::string>{} : groups[0].values;
}

} // namespace

TEST(PersonalSeal, StoredBytesHoldNoClearTextAndReadersGetItBack)
{
    std::map<std::string, std::string> keys;
    auto stored = sealed_account(keys);
    EXPECT_EQ(stored.find("erika@example.org"), std::string::npos);
    EXPECT_EQ(stored.find("Mustermann"), std::string::npos);
    ASSERT_EQ(keys.size(), 1U);
    EXPECT_TRUE(has_sealed_personal_data(stored));
    EXPECT_EQ(values_of(stored), (std::vector<std::string>{ "", "" }));

    auto open = unseal_envelope(stored, lookup_in(keys));
    ASSERT_TRUE(open.has_value()) << open.error().message;
    EXPECT_EQ(values_of(*open),
              (std::vector<std::string>{ "erika@example.org", "Erika Mustermann" }));
    EXPECT_FALSE(has_sealed_personal_data(*open));
    // Everything else is as it was.
    auto env = events::envelope::decode(*open);
    EXPECT_EQ(
      std::string(env->reader().getPayload().getAccount().getCreated().getAccountId().cStr()),
      "a1");
}

TEST(PersonalSeal, ADestroyedKeyLeavesTheFieldsEmpty)
{
    std::map<std::string, std::string> keys;
    auto stored = sealed_account(keys);
    keys["account-a1"] = "";
    auto open = unseal_envelope(stored, lookup_in(keys));
    ASSERT_TRUE(open.has_value()) << open.error().message;
    EXPECT_EQ(values_of(*open), (std::vector<std::string>{ "", "" }));
    EXPECT_FALSE(has_sealed_personal_data(*open));
}

TEST(PersonalSeal, AnErasedSubjectsNewDataIsDroppedNotSealed)
{
    std::map<std::string, std::string> keys{ { "account-a1", "" } };
    auto stored = sealed_account(keys);
    EXPECT_FALSE(has_sealed_personal_data(stored));
    EXPECT_EQ(stored.find("erika@example.org"), std::string::npos);
    EXPECT_EQ(values_of(stored), (std::vector<std::string>{ "", "" }));
}

TEST(PersonalSeal, AWrongKeyOrAMovedCiphertextFailsAuthentication)
{
    std::map<std::string, std::string> keys;
    auto stored = sealed_account(keys);
    auto wrong = keys;
    wrong["account-a1"] = new_subject_key();
    auto open = unseal_envelope(stored, lookup_in(wrong));
    ASSERT_FALSE(open.has_value());
    EXPECT_EQ(open.error().code, "log.corrupt");

    // The same key, but the sealed data put into another event: the event id
    // is part of the additional data.
    auto other = sealed_account(keys);
    auto a = events::envelope::decode(stored);
    capnp::MallocMessageBuilder b;
    b.setRoot(events::envelope::decode(other)->reader());
    b.getRoot<schema::Envelope>().setSealed(a->reader().getSealed());
    auto words = capnp::messageToFlatArray(b);
    std::string moved(reinterpret_cast<const char*>(words.begin()), words.size() * 8);
    open = unseal_envelope(moved, lookup_in(keys));
    ASSERT_FALSE(open.has_value());
    EXPECT_EQ(open.error().code, "log.corrupt");
}

TEST(PersonalSeal, AKeyTheLogDoesNotHaveIsAnError)
{
    std::map<std::string, std::string> keys;
    auto stored = sealed_account(keys);
    std::map<std::string, std::string> none;
    auto open = unseal_envelope(stored, lookup_in(none));
    ASSERT_FALSE(open.has_value());
    EXPECT_EQ(open.error().code, "log.key_missing");
}

TEST(PersonalSeal, EventsWithoutPersonalDataStayByteForByte)
{
    std::map<std::string, std::string> keys;
    capnp::MallocMessageBuilder b;
    auto env = b.initRoot<schema::Envelope>();
    env.setStreamId("document-d1");
    env.initPayload().initDocument().initWithdrawn().setReason("veraltet");
    auto words = capnp::messageToFlatArray(b);
    std::string before(reinterpret_cast<const char*>(words.begin()), words.size() * 8);
    seal_personal_data(env, [&](const std::string&) -> std::optional<std::string> {
        ADD_FAILURE() << "no key asked for";
        return std::nullopt;
    });
    auto after_words = capnp::messageToFlatArray(b);
    EXPECT_EQ(
      std::string(reinterpret_cast<const char*>(after_words.begin()), after_words.size() * 8),
      before);
    auto open = unseal_envelope(before, lookup_in(keys));
    ASSERT_TRUE(open.has_value());
    EXPECT_EQ(*open, before);
}
