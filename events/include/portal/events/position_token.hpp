#pragma once

/// The read-your-writes token of the API (`Portal-Position`,
/// `Portal-Min-Position`, the `position` of a write's reply).
///
/// Two forms (docs/openapi.yaml, docs/operations-kafka.md):
/// - a plain decimal `1042`: a position of the log the instance runs on
///   (the embedded log's global sequence; on Kafka a position local to
///   the instance that returned it);
/// - on Kafka, partition offsets of the events topic `3:1042,7:18`: for
///   each partition named, the offset of the last event the write(s) put
///   there. Partitions ascending, each once; no spaces. Any instance of the
///   cluster understands it: it waits until its mirror has read each named
///   partition past its offset.

#include "portal/events/error.hpp"
#include "portal/events/event_log.hpp"

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace portal::events {

/// The event at `offset` of `partition` of the Kafka events topic.
struct partition_offset
{
    std::uint32_t partition = 0;
    std::int64_t offset = 0;
    friend auto operator<=>(const partition_offset&, const partition_offset&) = default;
};

/// Partition offsets, ascending by partition, each partition once.
using partition_offsets = std::vector<partition_offset>;

/// A parsed token: a local position or partition offsets.
using position_token = std::variant<position, partition_offsets>;

/// The most partitions a token may name (a topic with more is not
/// expected; the bound keeps a header's parse cheap).
inline constexpr std::size_t k_max_token_partitions = 4096;

/// Adds `more` to `into` (both canonical): the higher offset per partition.
void merge_offsets(partition_offsets& into, const partition_offsets& more);

/// `P:O,P:O` of canonical offsets; `0` (the position before the first
/// event, which waits for nothing) when empty.
std::string format_token(const partition_offsets& offsets);

/// Parses a token. A plain decimal is a position; otherwise `P:O` pairs
/// separated by commas, partitions strictly ascending, offsets >= 0, both
/// decimal without sign or leading spaces. Errors: `validation.position`
/// (invalid) for anything else.
result<position_token> parse_token(std::string_view text);

} // namespace portal::events
