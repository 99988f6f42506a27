#pragma once

// What every test against the real Kafka broker needs: the broker's address
// and a topic prefix of its own for the running test.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <random>
#include <string>

namespace portal::testing {

/// The broker of PORTAL_KAFKA_BROKERS (a test failure without it).
inline std::string
kafka_brokers()
{
    const char* env = std::getenv("PORTAL_KAFKA_BROKERS");
    if (env == nullptr || *env == '\0') {
        ADD_FAILURE() << "PORTAL_KAFKA_BROKERS is not set: these tests need a real Kafka broker. "
                         "Start one with `scripts/kafka start` and set "
                         "PORTAL_KAFKA_BROKERS=127.0.0.1:19092 (scripts/test does both).";
        return "127.0.0.1:1";
    }
    return env;
}

/// A topic prefix no other test (or run) uses.
inline std::string
kafka_topic_prefix()
{
    std::random_device rd;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info != nullptr ? info->name() : "test";
    for (auto& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
            c = '-';
        }
    }
    return fmt::format("portal-test.{}.{:08x}{:08x}", name, rd(), rd());
}

} // namespace portal::testing
