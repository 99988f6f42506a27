#include "portal/projections/event_json.hpp"

#include "portal/events/message.hpp"

#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace portal::projections {

namespace json = boost::json;

namespace {

// The ids of the annotations of capnp/compat/json.capnp.
constexpr std::uint64_t k_json_name = 0xfa5b1fd61c2e7c3dull;
constexpr std::uint64_t k_json_flatten = 0x82d3e852af0336bfull;
constexpr std::uint64_t k_json_discriminator = 0xcfa794e8d19a0162ull;
constexpr std::uint64_t k_json_base64 = 0xd7d879450a253e4bull;
constexpr std::uint64_t k_json_hex = 0xf061e22f0ae5c7b5ull;

/// Well-formed UTF-8 (Unicode table 3-7), as JSON parsers require: text
/// that is not renders through the fallback, whose parse fails on it.
bool
valid_utf8(std::string_view s)
{
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int extra = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
        } else if (c == 0xE0) {
            extra = 2;
            lo = 0xA0;
        } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
            extra = 2;
        } else if (c == 0xED) {
            extra = 2;
            hi = 0x9F;
        } else if (c == 0xF0) {
            extra = 3;
            lo = 0x90;
        } else if (c >= 0xF1 && c <= 0xF3) {
            extra = 3;
        } else if (c == 0xF4) {
            extra = 3;
            hi = 0x8F;
        } else {
            return false;
        }
        if (end - p <= extra) {
            return false;
        }
        if (p[1] < lo || p[1] > hi) {
            return false;
        }
        for (int i = 2; i <= extra; ++i) {
            if (p[i] < 0x80 || p[i] > 0xBF) {
                return false;
            }
        }
        p += extra + 1;
    }
    return true;
}

/// How a field renders.
struct field_info
{
    capnp::StructSchema::Field field;
    json::string_view name;
    bool hex = false;
    /// `field.getType()`, which interprets the schema on every call.
    capnp::Type type;
};

/// How a struct renders (cached per schema).
struct struct_info
{
    std::vector<field_info> fields;       ///< indexed like schema.getFields()
    std::vector<std::uint16_t> non_union; ///< indices of the non-union fields, in order
    bool supported = true;
};

class renderer
{
  public:
    /// Null when a struct on the way uses an annotation this does not render.
    std::optional<json::value> event(schema::Event::Reader e)
    {
        ok_ = true;
        capnp::DynamicStruct::Reader dynamic = e;
        auto v = structure(dynamic);
        if (!ok_) {
            return std::nullopt;
        }
        return v;
    }

  private:
    const struct_info& info(capnp::StructSchema schema)
    {
        auto id = schema.getProto().getId();
        auto it = structs_.find(id);
        if (it != structs_.end()) {
            return *it->second;
        }
        auto s = std::make_unique<struct_info>();
        for (auto a : schema.getProto().getAnnotations()) {
            if (a.getId() == k_json_discriminator) {
                s->supported = false;
            }
        }
        for (auto f : schema.getFields()) {
            auto name = f.getProto().getName();
            field_info fi{ f, json::string_view(name.cStr(), name.size()), false, f.getType() };
            for (auto a : f.getProto().getAnnotations()) {
                switch (a.getId()) {
                    case k_json_name: {
                        auto n = a.getValue().getText();
                        fi.name = json::string_view(n.cStr(), n.size());
                        break;
                    }
                    case k_json_hex:
                        fi.hex = true;
                        break;
                    case k_json_flatten:
                    case k_json_discriminator:
                    case k_json_base64:
                        s->supported = false;
                        break;
                    default:
                        break;
                }
            }
            s->fields.push_back(fi);
        }
        for (auto f : schema.getNonUnionFields()) {
            s->non_union.push_back(static_cast<std::uint16_t>(f.getIndex()));
        }
        return *structs_.emplace(id, std::move(s)).first->second;
    }

    json::value structure(capnp::DynamicStruct::Reader reader)
    {
        const auto& si = info(reader.getSchema());
        if (!si.supported) {
            ok_ = false;
            return nullptr;
        }
        json::object out;
        out.reserve(si.non_union.size() + 1);
        for (auto index : si.non_union) {
            const auto& fi = si.fields[index];
            if (!reader.has(fi.field, capnp::HasMode::NON_NULL)) {
                continue;
            }
            out.emplace(fi.name, value(reader.get(fi.field), fi.type, fi.hex));
        }
        KJ_IF_MAYBE (which, reader.which()) {
            const auto& fi = si.fields[which->getIndex()];
            out.emplace(fi.name, value(reader.get(fi.field), fi.type, fi.hex));
        }
        return out;
    }

    json::value value(capnp::DynamicValue::Reader v, capnp::Type type, bool hex)
    {
        switch (type.which()) {
            case capnp::schema::Type::VOID:
                return nullptr;
            case capnp::schema::Type::BOOL:
                return v.as<bool>();
            case capnp::schema::Type::INT8:
            case capnp::schema::Type::INT16:
            case capnp::schema::Type::INT32:
                return v.as<std::int64_t>();
            case capnp::schema::Type::UINT8:
            case capnp::schema::Type::UINT16:
            case capnp::schema::Type::UINT32:
                // JSON text "42" parses as a signed integer.
                return static_cast<std::int64_t>(v.as<std::uint64_t>());
            case capnp::schema::Type::FLOAT32:
            case capnp::schema::Type::FLOAT64:
                // Rendered text and its parse are not reproduced here.
                ok_ = false;
                return nullptr;
            case capnp::schema::Type::INT64:
                return json::string(std::to_string(v.as<std::int64_t>()));
            case capnp::schema::Type::UINT64:
                return json::string(std::to_string(v.as<std::uint64_t>()));
            case capnp::schema::Type::TEXT: {
                auto t = v.as<capnp::Text>();
                std::string_view text(t.cStr(), t.size());
                if (!valid_utf8(text)) {
                    ok_ = false;
                    return nullptr;
                }
                return json::string(text);
            }
            case capnp::schema::Type::DATA: {
                auto bytes = v.as<capnp::Data>();
                if (hex) {
                    static constexpr char digits[] = "0123456789abcdef";
                    json::string s;
                    s.reserve(bytes.size() * 2);
                    for (auto b : bytes) {
                        s.push_back(digits[b >> 4]);
                        s.push_back(digits[b & 0xF]);
                    }
                    return s;
                }
                json::array a;
                a.reserve(bytes.size());
                for (auto b : bytes) {
                    a.emplace_back(static_cast<std::int64_t>(b));
                }
                return a;
            }
            case capnp::schema::Type::LIST: {
                auto list = v.as<capnp::DynamicList>();
                auto element = type.asList().getElementType();
                json::array a;
                a.reserve(list.size());
                for (auto item : list) {
                    a.push_back(value(item, element, false));
                }
                return a;
            }
            case capnp::schema::Type::ENUM: {
                auto e = v.as<capnp::DynamicEnum>();
                KJ_IF_MAYBE (symbol, e.getEnumerant()) {
                    for (auto a : symbol->getProto().getAnnotations()) {
                        if (a.getId() == k_json_name) {
                            auto n = a.getValue().getText();
                            return json::string(json::string_view(n.cStr(), n.size()));
                        }
                    }
                    auto n = symbol->getProto().getName();
                    return json::string(json::string_view(n.cStr(), n.size()));
                }
                return static_cast<std::int64_t>(e.getRaw());
            }
            case capnp::schema::Type::STRUCT:
                return structure(v.as<capnp::DynamicStruct>());
            case capnp::schema::Type::INTERFACE:
            case capnp::schema::Type::ANY_POINTER:
                ok_ = false;
                return nullptr;
        }
        ok_ = false;
        return nullptr;
    }

    std::unordered_map<std::uint64_t, std::unique_ptr<struct_info>> structs_;
    bool ok_ = true;
};

} // namespace

json::value
event_json(schema::Event::Reader event)
{
    thread_local renderer r;
    if (auto v = r.event(event)) {
        return std::move(*v);
    }
    boost::system::error_code ec;
    auto v = json::parse(events::to_json(event), ec);
    if (ec) {
        return json::object{};
    }
    return v;
}

} // namespace portal::projections
