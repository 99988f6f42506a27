#include "kafka_command.hpp"

#include "log_store.hpp"

namespace portal::infra::detail {

using events::append_request;
using events::append_result;
using events::expected_version;

namespace {

constexpr std::uint8_t k_command_format = 1;
constexpr std::uint8_t k_reply_format = 1;

struct encoder
{
    std::string out;
    void u8(std::uint8_t v) { out.push_back(static_cast<char>(v)); }
    void u64(std::uint64_t v) { put_be64(out, v); }
    void str(std::string_view s)
    {
        u64(s.size());
        out.append(s);
    }
    void expected(const expected_version& e)
    {
        u8(static_cast<std::uint8_t>(e.which()));
        u64(e.version());
    }
};

struct decoder
{
    std::string_view in;
    bool ok = true;

    std::uint8_t u8()
    {
        if (in.empty()) {
            ok = false;
            return 0;
        }
        auto v = static_cast<std::uint8_t>(in.front());
        in.remove_prefix(1);
        return v;
    }
    std::uint64_t u64()
    {
        if (in.size() < 8) {
            ok = false;
            return 0;
        }
        auto v = get_be64(in.substr(0, 8));
        in.remove_prefix(8);
        return v;
    }
    std::string str()
    {
        auto n = u64();
        if (!ok || n > in.size()) {
            ok = false;
            return {};
        }
        std::string s(in.substr(0, n));
        in.remove_prefix(n);
        return s;
    }
    expected_version expected()
    {
        auto kind = u8();
        auto version = u64();
        switch (static_cast<expected_version::kind>(kind)) {
            case expected_version::kind::any:
                return expected_version::any();
            case expected_version::kind::no_stream:
                return expected_version::no_stream();
            case expected_version::kind::exact:
                return expected_version::exact(version);
        }
        ok = false;
        return expected_version::any();
    }
    /// A count that cannot exceed what is left (each element takes at
    /// least 8 bytes).
    std::uint64_t count()
    {
        auto n = u64();
        if (n > in.size() / 8 + 1) {
            ok = false;
            return 0;
        }
        return n;
    }
};

error
corrupt(std::string_view what)
{
    return error::invalid("log.corrupt", std::string(what));
}

} // namespace

std::string
encode_command(const append_request& r)
{
    encoder e;
    e.u8(k_command_format);
    e.str(r.stream);
    e.str(r.partition_key);
    e.expected(r.expected);
    e.u64(r.payloads.size());
    for (const auto& p : r.payloads) {
        e.str(p);
    }
    e.str(r.command_id);
    e.u64(r.checks.size());
    for (const auto& c : r.checks) {
        e.str(c.stream);
        e.expected(c.expected);
    }
    e.str(r.actor.account_id);
    e.u8(static_cast<std::uint8_t>(r.actor.role));
    e.str(r.actor.on_behalf_of_company_id);
    e.out.append(reinterpret_cast<const char*>(r.correlation_id.data()), r.correlation_id.size());
    e.out.append(reinterpret_cast<const char*>(r.causation_id.data()), r.causation_id.size());
    return std::move(e.out);
}

result<append_request>
decode_command(std::string_view in)
{
    decoder d{ in };
    if (d.u8() != k_command_format) {
        return fail(corrupt("a command record of an unknown format"));
    }
    append_request r;
    r.stream = d.str();
    r.partition_key = d.str();
    r.expected = d.expected();
    auto payloads = d.count();
    for (std::uint64_t i = 0; d.ok && i < payloads; ++i) {
        r.payloads.push_back(d.str());
    }
    r.command_id = d.str();
    auto checks = d.count();
    for (std::uint64_t i = 0; d.ok && i < checks; ++i) {
        events::stream_check c;
        c.stream = d.str();
        c.expected = d.expected();
        r.checks.push_back(std::move(c));
    }
    r.actor.account_id = d.str();
    r.actor.role = static_cast<events::role>(d.u8());
    r.actor.on_behalf_of_company_id = d.str();
    if (!d.ok || d.in.size() != r.correlation_id.size() + r.causation_id.size()) {
        return fail(corrupt("a truncated command record"));
    }
    std::copy_n(d.in.begin(), r.correlation_id.size(), r.correlation_id.begin());
    std::copy_n(
      d.in.begin() + r.correlation_id.size(), r.causation_id.size(), r.causation_id.begin());
    return r;
}

std::string
encode_reply(const command_reply& reply)
{
    encoder e;
    e.u8(k_reply_format);
    e.u64(static_cast<std::uint64_t>(reply.mirrored));
    if (reply.outcome) {
        const auto& r = *reply.outcome;
        e.u8(0);
        e.str(r.stream);
        e.u64(r.first_version);
        e.u64(r.last_version);
        e.u8(r.duplicate ? 1 : 0);
    } else {
        const auto& err = reply.outcome.error();
        e.u8(1);
        e.u8(static_cast<std::uint8_t>(err.cls));
        e.str(err.code);
        e.str(err.message);
    }
    return std::move(e.out);
}

result<command_reply>
decode_reply(std::string_view in)
{
    decoder d{ in };
    if (d.u8() != k_reply_format) {
        return fail(corrupt("a command result of an unknown format"));
    }
    command_reply reply;
    reply.mirrored = static_cast<std::int64_t>(d.u64());
    if (d.u8() == 0) {
        append_result r;
        r.stream = d.str();
        r.first_version = d.u64();
        r.last_version = d.u64();
        r.duplicate = d.u8() != 0;
        reply.outcome = std::move(r);
    } else {
        error err;
        auto cls = d.u8();
        if (cls > static_cast<std::uint8_t>(error_class::forbidden)) {
            return fail(corrupt("a command result with an unknown error class"));
        }
        err.cls = static_cast<error_class>(cls);
        err.code = d.str();
        err.message = d.str();
        reply.outcome = fail(std::move(err));
    }
    if (!d.ok || !d.in.empty()) {
        return fail(corrupt("a truncated command result"));
    }
    return reply;
}

} // namespace portal::infra::detail
