#include "portal/infra/crypto.hpp"
#include "portal/infra/secrets.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <set>
#include <thread>
#include <vector>

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

TEST(Uuids, DrawOperatingSystemRandomnessOncePerBlockNotOncePerId)
{
    auto t = *parse_rfc3339("2026-11-28T12:00:00Z");
    std::uint64_t refills = 0;
    std::set<std::string> ids;
    // A new thread: its stream starts empty.
    std::thread([&] {
        auto before = id_random_refills();
        for (int i = 0; i < 3200; ++i) {
            ids.insert(to_string(uuid_v7(t)));
        }
        refills = id_random_refills() - before;
    }).join();
    EXPECT_EQ(ids.size(), 3200U);
    // 32 ids per 512-byte block; other threads of the test binary may add a few.
    EXPECT_GE(refills, 100U);
    EXPECT_LE(refills, 110U);
}

TEST(Uuids, AreUniqueAcrossThreads)
{
    auto t = *parse_rfc3339("2026-11-28T12:00:00Z");
    std::vector<std::vector<std::string>> per_thread(4);
    std::vector<std::thread> threads;
    for (auto& out : per_thread) {
        threads.emplace_back([&out, t] {
            for (int i = 0; i < 5000; ++i) {
                out.push_back(to_string(uuid_v7(t)));
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    std::set<std::string> all;
    for (const auto& out : per_thread) {
        all.insert(out.begin(), out.end());
    }
    EXPECT_EQ(all.size(), 20000U);
}

TEST(Uuids, AForkedChildDoesNotRepeatItsParentsIds)
{
    auto t = *parse_rfc3339("2026-11-28T12:00:00Z");
    (void)uuid_v7(t); // this thread's stream is keyed now
    std::array<int, 2> fds{};
    ASSERT_EQ(pipe(fds.data()), 0);
    auto child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        close(fds[0]);
        for (int i = 0; i < 4; ++i) {
            auto id = uuid_v7(t);
            if (write(fds[1], id.data(), id.size()) != static_cast<ssize_t>(id.size())) {
                _exit(1);
            }
        }
        _exit(0);
    }
    close(fds[1]);
    std::set<std::string> parent;
    for (int i = 0; i < 4; ++i) {
        parent.insert(to_string(uuid_v7(t)));
    }
    std::vector<std::string> from_child;
    events::uuid id{};
    while (read(fds[0], id.data(), id.size()) == static_cast<ssize_t>(id.size())) {
        from_child.push_back(to_string(id));
    }
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
    ASSERT_EQ(from_child.size(), 4U);
    for (const auto& c : from_child) {
        EXPECT_EQ(parent.count(c), 0U) << c;
    }
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
