#pragma once

/// The command path between portal instances on Kafka (private to infra):
/// an append that an instance cannot write itself (its partition is owned
/// by another instance) travels as a record of `<prefix>.commands` to the
/// owner, which checks and writes it as the partition's single writer and
/// answers on `<prefix>.command-results`.
///
/// Command record: key = stream id, partition = the events' partition,
/// headers `reply-to` (the sender's instance name) and `request-id` (random,
/// unique per send), value = `encode_command(request)`. Reply record:
/// partition = `partition_for(reply-to, P)`, header `request-id`, value =
/// `encode_reply(...)`. Both values are a small length-prefixed binary
/// format starting with a format byte.

#include "portal/events/event_log.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace portal::infra::detail {

/// Record headers of the commands and command-results topics.
namespace command_headers {
inline constexpr const char* reply_to = "reply-to";
inline constexpr const char* request_id = "request-id";
} // namespace command_headers

/// The append request as the value of a command record.
std::string encode_command(const events::append_request& request);

/// Decodes `encode_command`'s bytes. Errors: `log.corrupt` (invalid).
result<events::append_request> decode_command(std::string_view in);

/// An owner's answer to a command.
struct command_reply
{
    /// The append's result (positions are the owner's and meaningless to
    /// the sender) or its error.
    result<events::append_result> outcome;
    /// The offset up to which the owner had mirrored the partition when it
    /// answered: the sender waits for its own mirror to reach it, so its
    /// reads (and a retry after a conflict) see what the owner saw.
    std::int64_t mirrored = 0;
};

std::string encode_reply(const command_reply& reply);

/// Decodes `encode_reply`'s bytes. Errors: `log.corrupt` (invalid).
result<command_reply> decode_reply(std::string_view in);

} // namespace portal::infra::detail
