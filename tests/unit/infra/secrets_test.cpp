#include "portal/infra/crypto.hpp"
#include "portal/infra/secrets.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace portal;
using namespace portal::infra;

TEST(Passwords, HashVerifiesOnlyTheRightPassword)
{
    auto hash = hash_password("Geheim-2026!", password_cost::minimum());
    ASSERT_TRUE(hash.has_value());
    EXPECT_EQ(hash->rfind("$argon2id$", 0), 0U) << *hash;
    EXPECT_TRUE(verify_password(*hash, "Geheim-2026!"));
    EXPECT_FALSE(verify_password(*hash, "geheim-2026!"));
    EXPECT_FALSE(verify_password(*hash, ""));
    EXPECT_FALSE(verify_password("not a hash", "Geheim-2026!"));
    EXPECT_FALSE(verify_password("", ""));
    // Salted: the same password hashes differently.
    auto again = hash_password("Geheim-2026!", password_cost::minimum());
    EXPECT_NE(*hash, *again);
}

TEST(Tokens, AreRandomUrlSafeAndHashed)
{
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        auto t = random_token();
        EXPECT_EQ(t.size(), 43U);
        EXPECT_EQ(
          t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
          std::string::npos);
        EXPECT_TRUE(seen.insert(t).second);
    }
    EXPECT_EQ(token_hash("abc").size(), 32U);
    EXPECT_EQ(token_hash("abc"), token_hash("abc"));
    EXPECT_NE(token_hash("abc"), token_hash("abd"));
}

TEST(Pins, HaveTheirDigits)
{
    for (int i = 0; i < 50; ++i) {
        auto pin = random_pin(6);
        ASSERT_EQ(pin.size(), 6U);
        EXPECT_EQ(pin.find_first_not_of("0123456789"), std::string::npos);
    }
}

TEST(AccountIds, AreDeterministicPerKeyAndNormalisedEmail)
{
    std::string key(32, 'k');
    auto a = login_account_id("Anna.Schmidt@Example.de ", key);
    EXPECT_EQ(a, login_account_id("anna.schmidt@example.de", key));
    EXPECT_EQ(a.rfind("acc-", 0), 0U);
    EXPECT_EQ(a.size(), 4U + 32U);
    EXPECT_NE(a, login_account_id("anna.schmidt@example.com", key));
    EXPECT_NE(a, login_account_id("anna.schmidt@example.de", std::string(32, 'x')));
}

TEST(Keys, AreCreatedOnceAndReadBack)
{
    portal::testing::temp_dir dir;
    auto path = dir.path() / "sub" / "secret.key";
    auto first = load_or_create_key(path);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->size(), 32U);
    auto second = load_or_create_key(path);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(*first, *second);
    std::filesystem::resize_file(path, 5);
    auto broken = load_or_create_key(path);
    ASSERT_FALSE(broken.has_value());
    EXPECT_EQ(broken.error().code, "secrets.key_unreadable");
}

TEST(Uuids, AreVersionSevenAndTimeOrdered)
{
    auto t = *parse_rfc3339("2026-11-28T12:00:00Z");
    auto a = uuid_v7(t);
    auto b = uuid_v7(t + std::chrono::milliseconds(1));
    EXPECT_EQ(a[6] >> 4, 7);
    EXPECT_EQ(a[8] >> 6, 2);
    EXPECT_LT(to_string(a), to_string(b));
    EXPECT_EQ(to_string(a).size(), 36U);
    // 48-bit Unix milliseconds of 2026-11-28T12:00:00Z = 0x01a22206ca00.
    EXPECT_EQ(to_string(a).substr(0, 13), "01a22206-ca00");
}

TEST(DerivedSecrets, AreStablePerKeyPurposeAndSeed)
{
    std::string key(32, 'k');
    auto t = derive_token(key, "invitation", "cmd-1");
    EXPECT_EQ(t, derive_token(key, "invitation", "cmd-1"));
    EXPECT_EQ(t.size(), 43U);
    EXPECT_NE(t, derive_token(key, "invitation", "cmd-2"));
    EXPECT_NE(t, derive_token(key, "reset", "cmd-1"));
    EXPECT_NE(t, derive_token(std::string(32, 'x'), "invitation", "cmd-1"));
    // The separator keeps purpose and seed apart.
    EXPECT_NE(derive_token(key, "ab", "c"), derive_token(key, "a", "bc"));
    auto pin = derive_pin(key, "pin", "cmd-1");
    ASSERT_EQ(pin.size(), 6U);
    EXPECT_EQ(pin.find_first_not_of("0123456789"), std::string::npos);
    EXPECT_EQ(pin, derive_pin(key, "pin", "cmd-1"));
    EXPECT_EQ(derive_pin(key, "pin", "cmd-1", 4).size(), 4U);
}
