#pragma once

/// Snapshots of folded aggregate states: one generic binary codec for every
/// state type, by reflection over its fields (Boost.PFR), so an aggregate
/// gets snapshots without writing a line for them.
///
/// Supported: bool, integers, enums, std::string, std::vector, std::map,
/// std::optional, dates (year_month_day), timestamps, and aggregates
/// (structs without constructors or bases) of these. Any other field type
/// fails to compile, so a new field can never be dropped silently.
///
/// A snapshot is only a cache. `tag<State>()` names the state's shape (its
/// type and every field's kind, recursively) and `k_generation`; a snapshot
/// is used only when its tag matches, so a changed state layout ignores old
/// snapshots by itself. A change of `evolve` that keeps the layout but folds
/// differently must bump `k_generation` (old snapshots are then ignored);
/// a full `portal replay` also drops every snapshot.

#include "portal/events/partition.hpp"
#include "portal/events/time.hpp"

#include <boost/pfr.hpp>
#include <fmt/format.h>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

namespace portal::domain::snapshot {

/// Bump when an `evolve` changes how it folds without changing a state's
/// layout.
inline constexpr int k_generation = 1;

namespace detail {

template<class T>
struct is_vector : std::false_type
{
};
template<class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type
{
};
template<class T>
struct is_map : std::false_type
{
};
template<class K, class V, class C, class A>
struct is_map<std::map<K, V, C, A>> : std::true_type
{
};
template<class T>
struct is_optional : std::false_type
{
};
template<class T>
struct is_optional<std::optional<T>> : std::true_type
{
};

template<class T>
constexpr bool is_reflected_v =
  std::is_aggregate_v<T>&& std::is_class_v<T> && !is_vector<T>::value && !is_map<T>::value;

inline void
put_varint(std::string& out, std::uint64_t v)
{
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

/// A bounded reader; every failure sets `ok` to false and sticks.
struct reader
{
    std::string_view in;
    bool ok = true;

    std::uint64_t varint()
    {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (in.empty()) {
                ok = false;
                return 0;
            }
            auto b = static_cast<unsigned char>(in.front());
            in.remove_prefix(1);
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        ok = false;
        return 0;
    }

    /// A length that cannot exceed the bytes left (each element takes at
    /// least one byte), so corrupt input never allocates wildly.
    std::size_t length()
    {
        auto n = varint();
        if (n > in.size()) {
            ok = false;
            return 0;
        }
        return static_cast<std::size_t>(n);
    }
};

inline std::uint64_t
zigzag(std::int64_t v)
{
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

inline std::int64_t
unzigzag(std::uint64_t v)
{
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

template<class T>
void encode(std::string& out, const T& v);
template<class T>
void decode(reader& r, T& v);
template<class T>
void describe(std::string& out);

template<class T>
void
encode(std::string& out, const T& v)
{
    if constexpr (std::same_as<T, bool>) {
        out.push_back(v ? 1 : 0);
    } else if constexpr (std::is_enum_v<T>) {
        encode(out, static_cast<std::underlying_type_t<T>>(v));
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        put_varint(out, zigzag(v));
    } else if constexpr (std::is_integral_v<T>) {
        put_varint(out, v);
    } else if constexpr (std::same_as<T, std::string>) {
        put_varint(out, v.size());
        out += v;
    } else if constexpr (std::same_as<T, date>) {
        encode(out, static_cast<int>(v.year()));
        encode(out, static_cast<unsigned>(v.month()));
        encode(out, static_cast<unsigned>(v.day()));
    } else if constexpr (std::same_as<T, timestamp>) {
        encode(out, static_cast<std::int64_t>(v.time_since_epoch().count()));
    } else if constexpr (is_optional<T>::value) {
        encode(out, v.has_value());
        if (v) {
            encode(out, *v);
        }
    } else if constexpr (is_vector<T>::value || is_map<T>::value) {
        put_varint(out, v.size());
        for (const auto& e : v) {
            if constexpr (is_map<T>::value) {
                encode(out, e.first);
                encode(out, e.second);
            } else {
                encode(out, e);
            }
        }
    } else {
        static_assert(is_reflected_v<T>, "no snapshot encoding for this field type");
        boost::pfr::for_each_field(v, [&](const auto& f) { encode(out, f); });
    }
}

template<class T>
void
decode(reader& r, T& v)
{
    if (!r.ok) {
        return;
    }
    if constexpr (std::same_as<T, bool>) {
        auto b = r.varint();
        r.ok = r.ok && b <= 1;
        v = b == 1;
    } else if constexpr (std::is_enum_v<T>) {
        std::underlying_type_t<T> u{};
        decode(r, u);
        v = static_cast<T>(u);
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        auto x = unzigzag(r.varint());
        v = static_cast<T>(x);
        r.ok = r.ok && static_cast<std::int64_t>(v) == x;
    } else if constexpr (std::is_integral_v<T>) {
        auto x = r.varint();
        v = static_cast<T>(x);
        r.ok = r.ok && static_cast<std::uint64_t>(v) == x;
    } else if constexpr (std::same_as<T, std::string>) {
        auto n = r.length();
        v.assign(r.in.substr(0, n));
        r.in.remove_prefix(n);
    } else if constexpr (std::same_as<T, date>) {
        int y = 0;
        unsigned m = 0;
        unsigned d = 0;
        decode(r, y);
        decode(r, m);
        decode(r, d);
        v = std::chrono::year{ y } / std::chrono::month{ m } / std::chrono::day{ d };
    } else if constexpr (std::same_as<T, timestamp>) {
        std::int64_t us = 0;
        decode(r, us);
        v = timestamp{ std::chrono::microseconds{ us } };
    } else if constexpr (is_optional<T>::value) {
        bool has = false;
        decode(r, has);
        if (has) {
            typename T::value_type x{};
            decode(r, x);
            v = std::move(x);
        } else {
            v.reset();
        }
    } else if constexpr (is_vector<T>::value) {
        auto n = r.length();
        v.clear();
        v.reserve(n);
        for (std::size_t i = 0; i < n && r.ok; ++i) {
            typename T::value_type x{};
            decode(r, x);
            v.push_back(std::move(x));
        }
    } else if constexpr (is_map<T>::value) {
        auto n = r.length();
        v.clear();
        for (std::size_t i = 0; i < n && r.ok; ++i) {
            typename T::key_type k{};
            typename T::mapped_type x{};
            decode(r, k);
            decode(r, x);
            v.emplace(std::move(k), std::move(x));
        }
    } else {
        static_assert(is_reflected_v<T>, "no snapshot decoding for this field type");
        boost::pfr::for_each_field(v, [&](auto& f) { decode(r, f); });
    }
}

/// The shape of `T`: kinds and sizes, recursively, with enum and struct
/// names.
template<class T>
void
describe(std::string& out)
{
    if constexpr (std::same_as<T, bool>) {
        out += 'b';
    } else if constexpr (std::is_enum_v<T>) {
        out += fmt::format("e{}:{};", sizeof(T), typeid(T).name());
    } else if constexpr (std::is_integral_v<T>) {
        out += fmt::format("{}{}", std::is_signed_v<T> ? 'i' : 'u', sizeof(T));
    } else if constexpr (std::same_as<T, std::string>) {
        out += 's';
    } else if constexpr (std::same_as<T, date>) {
        out += 'd';
    } else if constexpr (std::same_as<T, timestamp>) {
        out += 't';
    } else if constexpr (is_optional<T>::value) {
        out += '?';
        describe<typename T::value_type>(out);
    } else if constexpr (is_vector<T>::value) {
        out += '[';
        describe<typename T::value_type>(out);
        out += ']';
    } else if constexpr (is_map<T>::value) {
        out += '<';
        describe<typename T::key_type>(out);
        describe<typename T::mapped_type>(out);
        out += '>';
    } else {
        static_assert(is_reflected_v<T>, "no snapshot shape for this field type");
        out += fmt::format("{}{{", typeid(T).name());
        [&]<std::size_t... I>(std::index_sequence<I...>)
        {
            (describe<boost::pfr::tuple_element_t<I, T>>(out), ...);
        }
        (std::make_index_sequence<boost::pfr::tuple_size_v<T>>{});
        out += '}';
    }
}

} // namespace detail

/// The snapshot bytes of `state`.
template<class State>
std::string
encode(const State& state)
{
    std::string out;
    detail::encode(out, state);
    return out;
}

/// The state in `bytes`; nullopt when they are not a complete encoding of a
/// `State` (a damaged snapshot is ignored, never trusted).
template<class State>
std::optional<State>
decode(std::string_view bytes)
{
    detail::reader r{ bytes };
    State s{};
    detail::decode(r, s);
    if (!r.ok || !r.in.empty()) {
        return std::nullopt;
    }
    return s;
}

/// The tag of `State`'s snapshots: changes when its layout or `k_generation`
/// changes.
template<class State>
const std::string&
tag()
{
    static const std::string t = [] {
        std::string shape = fmt::format("g{}:", k_generation);
        detail::describe<State>(shape);
        return fmt::format("{:016x}", events::partition_hash(shape));
    }();
    return t;
}

} // namespace portal::domain::snapshot
