#include "portal/events/message.hpp"

#include <capnp/compat/json.h>
#include <capnp/dynamic.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>

namespace portal::events {

namespace detail {

struct message_storage
{
    kj::Array<capnp::word> words;
    std::size_t byte_size = 0;
    // Reads of a validated message are not limited: the traversal limit
    // guards decoding, and a shared message is read many times.
    std::unique_ptr<capnp::FlatArrayMessageReader> reader;
};

namespace {

capnp::ReaderOptions
unlimited() noexcept
{
    capnp::ReaderOptions options;
    options.traversalLimitInWords = std::numeric_limits<std::uint64_t>::max();
    options.nestingLimit = 64;
    return options;
}

bool validate_struct(capnp::DynamicStruct::Reader value, int depth);

/// Reads `v` according to its schema type, so that a pointer of the wrong
/// kind throws here; false for an unknown union member.
bool
validate_value(capnp::DynamicValue::Reader v, int depth)
{
    switch (v.getType()) {
        case capnp::DynamicValue::STRUCT:
            return validate_struct(v.as<capnp::DynamicStruct>(), depth + 1);
        case capnp::DynamicValue::LIST:
            for (auto element : v.as<capnp::DynamicList>()) {
                if (!validate_value(element, depth + 1)) {
                    return false;
                }
            }
            return true;
        case capnp::DynamicValue::TEXT:
            (void)v.as<capnp::Text>();
            return true;
        case capnp::DynamicValue::DATA:
            (void)v.as<capnp::Data>();
            return true;
        default:
            return true;
    }
}

/// Every field of `value` (the active union member only) is readable with
/// its schema type and every union discriminant is known to this build.
bool
validate_struct(capnp::DynamicStruct::Reader value, int depth)
{
    if (depth > 32) {
        return false;
    }
    auto schema = value.getSchema();
    if (schema.getUnionFields().size() > 0) {
        KJ_IF_MAYBE (field, value.which()) {
            if (!validate_value(value.get(*field), depth)) {
                return false;
            }
        } else {
            return false;
        }
    }
    for (auto field : schema.getNonUnionFields()) {
        if (!validate_value(value.get(field), depth)) {
            return false;
        }
    }
    return true;
}

} // namespace

result<std::shared_ptr<const message_storage>>
decode_storage(std::string_view bytes, capnp::StructSchema root)
{
    if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
        return fail(
          error::invalid("codec.malformed", "message size is not a positive multiple of 8 bytes"));
    }
    auto storage = std::make_shared<message_storage>();
    storage->words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(storage->words.begin(), bytes.data(), bytes.size());
    storage->byte_size = bytes.size();
    try {
        capnp::ReaderOptions bounded;
        bounded.traversalLimitInWords = storage->words.size() * 4 + 64;
        bounded.nestingLimit = 64;
        capnp::FlatArrayMessageReader check(storage->words.asPtr(), bounded);
        if (check.getEnd() != storage->words.end()) {
            return fail(error::invalid("codec.malformed", "trailing bytes after the message"));
        }
        auto any = check.getRoot<capnp::AnyPointer>();
        if (any.isNull() || !any.isStruct()) {
            return fail(error::invalid("codec.malformed", "root is not a struct"));
        }
        // Traverses every pointer: bad offsets, out-of-bounds segments and
        // cycles throw here, not later.
        (void)any.targetSize();
        auto dynamic = any.getAs<capnp::DynamicStruct>(root);
        if (!validate_struct(dynamic, 0)) {
            return fail(
              error::invalid("codec.malformed", "unknown union member or nesting too deep"));
        }
        storage->reader =
          std::make_unique<capnp::FlatArrayMessageReader>(storage->words.asPtr(), unlimited());
    } catch (const kj::Exception& e) {
        return fail(error::invalid("codec.malformed", std::string(e.getDescription().cStr())));
    }
    return std::shared_ptr<const message_storage>(std::move(storage));
}

result<std::shared_ptr<const message_storage>>
decode_storage_structure(std::string_view bytes)
{
    if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
        return fail(
          error::invalid("codec.malformed", "message size is not a positive multiple of 8 bytes"));
    }
    auto storage = std::make_shared<message_storage>();
    storage->words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(storage->words.begin(), bytes.data(), bytes.size());
    storage->byte_size = bytes.size();
    try {
        capnp::ReaderOptions bounded;
        bounded.traversalLimitInWords = storage->words.size() * 4 + 64;
        bounded.nestingLimit = 64;
        capnp::FlatArrayMessageReader check(storage->words.asPtr(), bounded);
        if (check.getEnd() != storage->words.end()) {
            return fail(error::invalid("codec.malformed", "trailing bytes after the message"));
        }
        auto any = check.getRoot<capnp::AnyPointer>();
        if (any.isNull() || !any.isStruct()) {
            return fail(error::invalid("codec.malformed", "root is not a struct"));
        }
        (void)any.targetSize();
        storage->reader =
          std::make_unique<capnp::FlatArrayMessageReader>(storage->words.asPtr(), unlimited());
    } catch (const kj::Exception& e) {
        return fail(error::invalid("codec.malformed", std::string(e.getDescription().cStr())));
    }
    return std::shared_ptr<const message_storage>(std::move(storage));
}

/// The structure checks of `decode_storage_structure` on `words` (in place).
std::optional<error>
check_structure(kj::ArrayPtr<const capnp::word> words)
{
    try {
        capnp::ReaderOptions bounded;
        bounded.traversalLimitInWords = words.size() * 4 + 64;
        bounded.nestingLimit = 64;
        capnp::FlatArrayMessageReader check(words, bounded);
        if (check.getEnd() != words.end()) {
            return error::invalid("codec.malformed", "trailing bytes after the message");
        }
        auto any = check.getRoot<capnp::AnyPointer>();
        if (any.isNull() || !any.isStruct()) {
            return error::invalid("codec.malformed", "root is not a struct");
        }
        (void)any.targetSize();
    } catch (const kj::Exception& e) {
        return error::invalid("codec.malformed", std::string(e.getDescription().cStr()));
    }
    return std::nullopt;
}

std::shared_ptr<const message_storage>
encode_storage(capnp::MessageBuilder& builder)
{
    auto storage = std::make_shared<message_storage>();
    storage->words = capnp::messageToFlatArray(builder);
    storage->byte_size = storage->words.size() * sizeof(capnp::word);
    storage->reader =
      std::make_unique<capnp::FlatArrayMessageReader>(storage->words.asPtr(), unlimited());
    return storage;
}

capnp::AnyPointer::Reader
storage_root(const message_storage& storage)
{
    return storage.reader->getRoot<capnp::AnyPointer>();
}

std::string_view
storage_bytes(const message_storage& storage) noexcept
{
    return { reinterpret_cast<const char*>(storage.words.begin()), storage.byte_size };
}

} // namespace detail

struct envelope_decoder::impl
{
    kj::Array<capnp::word> buffer;
    std::optional<capnp::FlatArrayMessageReader> reader;
};

envelope_decoder::envelope_decoder()
  : impl_(std::make_unique<impl>())
{
}

envelope_decoder::~envelope_decoder() = default;

result<schema::Envelope::Reader>
envelope_decoder::decode_trusted(std::string_view bytes)
{
    impl_->reader.reset();
    if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
        return fail(
          error::invalid("codec.malformed", "message size is not a positive multiple of 8 bytes"));
    }
    auto count = bytes.size() / sizeof(capnp::word);
    kj::ArrayPtr<const capnp::word> words;
    if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(capnp::word) == 0) {
        words = kj::arrayPtr(reinterpret_cast<const capnp::word*>(bytes.data()), count);
    } else {
        if (impl_->buffer.size() < count) {
            impl_->buffer = kj::heapArray<capnp::word>(std::max(count, std::size_t{ 512 }));
        }
        std::memcpy(impl_->buffer.begin(), bytes.data(), bytes.size());
        words = kj::arrayPtr(impl_->buffer.begin(), count);
    }
    if (auto bad = detail::check_structure(words)) {
        return fail(std::move(*bad));
    }
    try {
        impl_->reader.emplace(words, detail::unlimited());
        return impl_->reader->getRoot<schema::Envelope>();
    } catch (const kj::Exception& e) {
        impl_->reader.reset();
        return fail(error::invalid("codec.malformed", std::string(e.getDescription().cStr())));
    }
}

namespace {

std::string
snake_case(kj::StringPtr camel)
{
    std::string out;
    out.reserve(camel.size() + 4);
    for (char c : camel) {
        if (std::isupper(static_cast<unsigned char>(c)) != 0) {
            out.push_back('_');
            out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        } else {
            out.push_back(c);
        }
    }
    return out;
}

} // namespace

std::string
event_aggregate(schema::Event::Reader event)
{
    capnp::DynamicStruct::Reader dynamic = event;
    KJ_IF_MAYBE (outer, dynamic.which()) {
        return snake_case(outer->getProto().getName());
    }
    return "unknown";
}

std::string
event_name(schema::Event::Reader event)
{
    capnp::DynamicStruct::Reader dynamic = event;
    KJ_IF_MAYBE (outer, dynamic.which()) {
        auto inner = dynamic.get(*outer).as<capnp::DynamicStruct>();
        KJ_IF_MAYBE (leaf, inner.which()) {
            return snake_case(outer->getProto().getName()) + "." +
                   snake_case(leaf->getProto().getName());
        }
        return snake_case(outer->getProto().getName()) + ".unknown";
    }
    return "unknown";
}

namespace detail {

std::vector<std::string>
enumerant_names(capnp::EnumSchema schema)
{
    std::vector<std::string> names;
    for (auto e : schema.getEnumerants()) {
        auto i = static_cast<std::size_t>(e.getOrdinal());
        if (names.size() <= i) {
            names.resize(i + 1, "unknown");
        }
        names[i] = snake_case(e.getProto().getName());
    }
    return names;
}

} // namespace detail

result<stream_version>
peek_stream_version(std::string_view bytes)
{
    if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
        return fail(
          error::invalid("codec.malformed", "message size is not a positive multiple of 8 bytes"));
    }
    auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(words.begin(), bytes.data(), bytes.size());
    try {
        capnp::ReaderOptions bounded;
        bounded.traversalLimitInWords = words.size() * 4 + 64;
        capnp::FlatArrayMessageReader reader(words.asPtr(), bounded);
        auto env = reader.getRoot<schema::Envelope>();
        auto id = env.getStreamId();
        return stream_version{ std::string(id.cStr(), id.size()),
                               env.getStreamVersion(),
                               env.hasSealed() };
    } catch (const kj::Exception& e) {
        return fail(error::invalid("codec.malformed", std::string(e.getDescription().cStr())));
    }
}

std::vector<std::string>
all_event_names()
{
    std::vector<std::string> names;
    for (auto outer : capnp::Schema::from<schema::Event>().getUnionFields()) {
        auto inner = outer.getType().asStruct();
        for (auto leaf : inner.getUnionFields()) {
            names.push_back(snake_case(outer.getProto().getName()) + "." +
                            snake_case(leaf.getProto().getName()));
        }
    }
    return names;
}

namespace {

capnp::JsonCodec&
codec()
{
    thread_local std::unique_ptr<capnp::JsonCodec> json = [] {
        auto c = std::make_unique<capnp::JsonCodec>();
        c->handleByAnnotation<schema::Envelope>();
        return c;
    }();
    return *json;
}

} // namespace

std::string
to_json(schema::Event::Reader event)
{
    auto text = codec().encode(event);
    return std::string(text.cStr(), text.size());
}

std::string
to_json(schema::Envelope::Reader env)
{
    auto text = codec().encode(env);
    return std::string(text.cStr(), text.size());
}

} // namespace portal::events
