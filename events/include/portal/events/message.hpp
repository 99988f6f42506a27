#pragma once

/// Owned, immutable Cap'n Proto messages of the event schema: the payload of
/// one domain event (`event_payload`) and the stored envelope (`envelope`).
///
/// Bytes are the flat-array encoding (segment table + segments). Decoding
/// copies them into 8-byte aligned words (Cap'n Proto needs the alignment;
/// RocksDB and Kafka give none), validates every pointer of the message and
/// the union discriminants of the payload, and returns an error for garbage or
/// truncated input instead of crashing. Instances are cheap to copy (shared,
/// immutable) and may be read from any thread.

#include "portal/events/error.hpp"
#include "portal/schema/events.capnp.h"

#include <capnp/message.h>
#include <capnp/schema.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portal::events {

namespace detail {

/// The storage behind an owned message.
struct message_storage;

/// Copies `bytes` into aligned words and validates the whole message with
/// `Root`'s schema; the error code is `codec.malformed`.
result<std::shared_ptr<const message_storage>> decode_storage(std::string_view bytes,
                                                              capnp::StructSchema root);

/// Like `decode_storage`, but checks only the message's structure (every
/// pointer in bounds, no cycles), not its field types and unions.
result<std::shared_ptr<const message_storage>> decode_storage_structure(std::string_view bytes);

/// Encodes a built message into storage.
std::shared_ptr<const message_storage> encode_storage(capnp::MessageBuilder& builder);

/// The root pointer of stored message.
capnp::AnyPointer::Reader storage_root(const message_storage& storage);

/// The bytes of a stored message.
std::string_view storage_bytes(const message_storage& storage) noexcept;

} // namespace detail

/// An immutable Cap'n Proto message with root `Root`.
template<class Root>
class owned_message
{
  public:
    /// Decodes and validates bytes; `codec.malformed` on garbage.
    static result<owned_message> decode(std::string_view bytes)
    {
        auto storage = detail::decode_storage(bytes, capnp::Schema::from<Root>());
        if (!storage) {
            return fail(std::move(storage.error()));
        }
        return owned_message{ std::move(*storage) };
    }

    /// Decodes bytes that this portal's own log wrote (validated by `decode`
    /// when they were appended): checks only the structure, which is much
    /// cheaper for the read paths that see every event. A union member
    /// unknown to this build reads as an unknown `which()`; a field of the
    /// wrong kind (only after tampering, which `portal verify` finds) makes
    /// its getter throw `kj::Exception`, which the read paths catch.
    /// Errors: `codec.malformed`.
    static result<owned_message> decode_trusted(std::string_view bytes)
    {
        auto storage = detail::decode_storage_structure(bytes);
        if (!storage) {
            return fail(std::move(storage.error()));
        }
        return owned_message{ std::move(*storage) };
    }

    /// Takes a snapshot of a built message.
    static owned_message from_builder(capnp::MessageBuilder& builder)
    {
        return owned_message{ detail::encode_storage(builder) };
    }

    /// Builds a message: `fill` receives the root builder.
    template<class F>
    static owned_message build(F&& fill)
    {
        capnp::MallocMessageBuilder builder(256);
        fill(builder.initRoot<Root>());
        return from_builder(builder);
    }

    /// The root reader; valid as long as any copy of this message lives.
    typename Root::Reader reader() const
    {
        return detail::storage_root(*storage_).template getAs<Root>();
    }

    /// The flat-array encoding.
    std::string_view bytes() const noexcept { return detail::storage_bytes(*storage_); }

  private:
    explicit owned_message(std::shared_ptr<const detail::message_storage> s)
      : storage_(std::move(s))
    {
    }

    std::shared_ptr<const detail::message_storage> storage_;
};

/// One domain event (the `Event` union), as aggregates decide it.
using event_payload = owned_message<schema::Event>;

/// A stored event with its metadata.
using envelope = owned_message<schema::Envelope>;

/// Decodes envelopes for a read path that sees every event (a projection
/// runner): the checks of `envelope::decode_trusted` (the structure only;
/// bytes this portal's own log wrote), without allocating per message. The
/// reader reads the bytes in place when they are 8-byte aligned (as a heap
/// `std::string`'s are), else from a copy in a buffer kept for the next
/// message. Not thread-safe: one per reading thread.
class envelope_decoder
{
  public:
    envelope_decoder();
    ~envelope_decoder();
    envelope_decoder(const envelope_decoder&) = delete;
    envelope_decoder& operator=(const envelope_decoder&) = delete;

    /// The envelope in `bytes`; valid until the next call and while `bytes`
    /// live. A getter of a field of the wrong kind throws `kj::Exception`
    /// (as with `decode_trusted`). Errors: `codec.malformed`.
    result<schema::Envelope::Reader> decode_trusted(std::string_view bytes);

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// The stable name of an event, e.g. `report.submitted`: the member of the
/// `Event` union and the member of that aggregate's union, in snake_case.
/// Returns `unknown` for a discriminant this build does not know.
std::string event_name(schema::Event::Reader event);

/// The stream id and version of an encoded envelope, read without the full
/// validation of `envelope::decode` (cheap enough for every event of a scan;
/// readers of the payload still decode). Errors: `codec.malformed`.
struct stream_version
{
    std::string stream;
    std::uint64_t version = 0;
    bool sealed = false; ///< carries sealed personal data (`Envelope.sealed`)
};
result<stream_version> peek_stream_version(std::string_view envelope_bytes);

namespace detail {
/// Snake-case names of an enum's enumerants, indexed by value.
std::vector<std::string> enumerant_names(capnp::EnumSchema schema);
} // namespace detail

/// The API name of a schema enumerant: its schema name in snake_case
/// (`ExamType::FINAL_PART1` → `final_part1`), the same rule as event names;
/// `unknown` for a value this build does not know.
template<class E>
std::string_view
enum_name(E value)
{
    static const std::vector<std::string> names = detail::enumerant_names(capnp::Schema::from<E>());
    auto i = static_cast<std::size_t>(value);
    return i < names.size() ? std::string_view(names[i]) : std::string_view("unknown");
}

/// The enumerant whose API name (see `enum_name`) is `name`; nullopt for
/// an unknown name. The inverse of `enum_name`, for parsing input.
template<class E>
std::optional<E>
enum_value(std::string_view name)
{
    static const std::vector<std::string> names = detail::enumerant_names(capnp::Schema::from<E>());
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == name) {
            return static_cast<E>(i);
        }
    }
    return std::nullopt;
}

/// Every event name this build knows, in schema order.
std::vector<std::string> all_event_names();

/// The aggregate part of the name (`report` for `report.submitted`).
std::string event_aggregate(schema::Event::Reader event);

/// Renders an event as JSON through Cap'n Proto's JsonCodec.
std::string to_json(schema::Event::Reader event);

/// Renders an envelope as JSON through Cap'n Proto's JsonCodec (binary ids
/// and hashes as hex).
std::string to_json(schema::Envelope::Reader env);

/// Current version of the schema written into new envelopes.
inline constexpr std::uint16_t k_schema_version = 1;

} // namespace portal::events
