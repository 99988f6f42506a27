#include "portal/infra/personal_seal.hpp"

#include "portal/events/message.hpp"
#include "portal/events/personal_data.hpp"
#include "portal/infra/crypto.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <sodium.h>

#include <cstring>
#include <vector>

namespace portal::infra {
namespace {

template<class T>
std::string
text(T t)
{
    return std::string(reinterpret_cast<const char*>(t.begin()), t.size());
}

/// Additional data of a subject's ciphertext: the event id and the subject.
std::string
additional_data(std::string_view event_id, std::string_view subject)
{
    std::string ad(event_id);
    ad.push_back('\0');
    ad += subject;
    return ad;
}

/// The message as flat bytes, written straight into the string (no
/// intermediate array).
std::string
flat_bytes(capnp::MessageBuilder& builder)
{
    auto segments = builder.getSegmentsForOutput();
    std::string out(capnp::computeSerializedSizeInWords(segments) * sizeof(capnp::word), '\0');
    kj::ArrayOutputStream stream(kj::arrayPtr(reinterpret_cast<kj::byte*>(out.data()), out.size()));
    capnp::writeMessage(stream, segments);
    return out;
}

std::string
encode_values(const std::vector<std::string>& values)
{
    capnp::MallocMessageBuilder builder(64);
    auto list = builder.initRoot<schema::PersonalValues>().initValues(values.size());
    for (unsigned i = 0; i < values.size(); ++i) {
        list.set(i, capnp::Text::Reader(values[i].data(), values[i].size()));
    }
    return flat_bytes(builder);
}

/// The values of an authenticated plaintext (so written by this portal:
/// the structure check suffices).
result<std::vector<std::string>>
decode_values(std::string_view bytes)
{
    auto msg = events::owned_message<schema::PersonalValues>::decode_trusted(bytes);
    if (!msg) {
        return fail(std::move(msg.error()));
    }
    std::vector<std::string> out;
    for (auto v : msg->reader().getValues()) {
        out.push_back(text(v));
    }
    return out;
}

} // namespace

std::string
new_subject_key()
{
    std::string key(k_subject_key_bytes, '\0');
    random_bytes(key.data(), key.size());
    return key;
}

void
seal_personal_data(schema::Envelope::Builder env, const subject_key_for& key_for)
{
    auto stream = text(env.getStreamId());
    auto payload = env.getPayload();
    auto groups = events::personal_data(stream, payload.asReader());
    if (groups.empty()) {
        return;
    }
    auto event_id = text(env.getEventId());
    struct sealed
    {
        std::string subject;
        std::string nonce;
        std::string ciphertext;
    };
    std::vector<sealed> out;
    for (auto& g : groups) {
        bool any = std::any_of(
          g.values.begin(), g.values.end(), [](const std::string& v) { return !v.empty(); });
        auto key = any ? key_for(g.subject) : std::nullopt;
        if (key) {
            auto plain = encode_values(g.values);
            sealed s{ g.subject,
                      std::string(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, '\0'),
                      std::string(plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0') };
            random_bytes(s.nonce.data(), s.nonce.size());
            auto ad = additional_data(event_id, g.subject);
            unsigned long long size = 0;
            crypto_aead_xchacha20poly1305_ietf_encrypt(
              reinterpret_cast<unsigned char*>(s.ciphertext.data()),
              &size,
              reinterpret_cast<const unsigned char*>(plain.data()),
              plain.size(),
              reinterpret_cast<const unsigned char*>(ad.data()),
              ad.size(),
              nullptr,
              reinterpret_cast<const unsigned char*>(s.nonce.data()),
              reinterpret_cast<const unsigned char*>(key->data()));
            s.ciphertext.resize(size);
            sodium_memzero(plain.data(), plain.size());
            out.push_back(std::move(s));
        }
        // Cap'n Proto zeroes a text it overwrites: the stored bytes keep no
        // trace of the clear values.
        events::set_personal_data(stream, payload, g.subject, {});
    }
    if (out.empty()) {
        return;
    }
    auto list = env.initSealed(out.size());
    for (unsigned i = 0; i < out.size(); ++i) {
        auto s = list[i];
        s.setSubject(out[i].subject);
        s.setNonce(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(out[i].nonce.data()),
                                       out[i].nonce.size()));
        s.setCiphertext(
          capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(out[i].ciphertext.data()),
                              out[i].ciphertext.size()));
    }
}

bool
has_sealed_personal_data(std::string_view envelope_bytes)
{
    auto env = events::envelope::decode_trusted(envelope_bytes);
    if (!env) {
        return false;
    }
    try {
        return env->reader().hasSealed();
    } catch (const kj::Exception&) {
        return false;
    }
}

result<std::string>
unseal_envelope(std::string_view stored, const subject_key_lookup& lookup)
{
    auto env = events::envelope::decode_trusted(stored);
    if (!env) {
        return fail(std::move(env.error()));
    }
    try {
        auto r = env->reader();
        if (!r.hasSealed()) {
            return std::string(stored);
        }
        capnp::MallocMessageBuilder builder(stored.size() / sizeof(capnp::word) + 64);
        builder.setRoot(r);
        auto b = builder.getRoot<schema::Envelope>();
        auto stream = text(r.getStreamId());
        auto event_id = text(r.getEventId());
        for (auto s : r.getSealed()) {
            auto subject = text(s.getSubject());
            auto key = lookup(subject);
            std::vector<std::string> values;
            if (key.st == subject_key::state::missing) {
                return fail(error::unavailable(
                  "log.key_missing",
                  fmt::format("the key of {} (sealed in {} version {}) is not in the log",
                              subject,
                              stream,
                              r.getStreamVersion())));
            }
            if (key.st == subject_key::state::present) {
                auto nonce = s.getNonce();
                auto cipher = s.getCiphertext();
                auto ad = additional_data(event_id, subject);
                if (nonce.size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
                    cipher.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES ||
                    key.key.size() != k_subject_key_bytes) {
                    return fail(error::unavailable(
                      "log.corrupt",
                      fmt::format("sealed data of {} in {} version {} is malformed",
                                  subject,
                                  stream,
                                  r.getStreamVersion())));
                }
                std::string plain(cipher.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
                unsigned long long size = 0;
                if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                      reinterpret_cast<unsigned char*>(plain.data()),
                      &size,
                      nullptr,
                      cipher.begin(),
                      cipher.size(),
                      reinterpret_cast<const unsigned char*>(ad.data()),
                      ad.size(),
                      nonce.begin(),
                      reinterpret_cast<const unsigned char*>(key.key.data())) != 0) {
                    return fail(error::unavailable(
                      "log.corrupt",
                      fmt::format("sealed data of {} in {} version {} fails authentication",
                                  subject,
                                  stream,
                                  r.getStreamVersion())));
                }
                plain.resize(size);
                auto decoded = decode_values(plain);
                sodium_memzero(plain.data(), plain.size());
                if (!decoded) {
                    return fail(error::unavailable(
                      "log.corrupt",
                      fmt::format("sealed data of {} in {} version {} does not decode: {}",
                                  subject,
                                  stream,
                                  r.getStreamVersion(),
                                  decoded.error().message)));
                }
                values = std::move(*decoded);
            }
            events::set_personal_data(stream, b.getPayload(), subject, values);
        }
        b.disownSealed();
        return flat_bytes(builder);
    } catch (const kj::Exception& e) {
        return fail(error::invalid("codec.malformed", std::string(e.getDescription().cStr())));
    }
}

} // namespace portal::infra
