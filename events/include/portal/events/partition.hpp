#pragma once

/// The partition of a partition key: the same function in the embedded log's
/// command path and on Kafka (ARCHITECTURE.md: partition = hash(key) mod P).

#include <cstdint>
#include <string_view>

namespace portal::events {

/// FNV-1a 64 of `key`: stable across builds, platforms and languages.
constexpr std::uint64_t
partition_hash(std::string_view key) noexcept
{
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : key) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

/// The partition of `key` among `partitions` (> 0).
constexpr std::uint32_t
partition_for(std::string_view key, std::uint32_t partitions) noexcept
{
    return static_cast<std::uint32_t>(partition_hash(key) % partitions);
}

} // namespace portal::events
