#include "portal/infra/crypto.hpp"

#include <sodium.h>

#include <stdexcept>

namespace portal::infra {

void
crypto_init()
{
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium could not be initialised");
    }
}

std::string
blake2b_256(std::string_view bytes)
{
    std::string out(crypto_generichash_BYTES, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(out.data()),
                       out.size(),
                       reinterpret_cast<const unsigned char*>(bytes.data()),
                       bytes.size(),
                       nullptr,
                       0);
    return out;
}

void
random_bytes(void* out, std::size_t size)
{
    randombytes_buf(out, size);
}

events::uuid
uuid_v7(timestamp now)
{
    events::uuid id{};
    random_bytes(id.data(), id.size());
    auto ms = static_cast<std::uint64_t>(to_micros(now) / 1000);
    for (int i = 0; i < 6; ++i) {
        id[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
    }
    id[6] = static_cast<std::uint8_t>(0x70 | (id[6] & 0x0f));
    id[8] = static_cast<std::uint8_t>(0x80 | (id[8] & 0x3f));
    return id;
}

std::string
to_hex(std::string_view bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) {
        auto b = static_cast<unsigned char>(c);
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0f]);
    }
    return out;
}

std::string
to_string(const events::uuid& id)
{
    auto hex = to_hex(std::string_view(reinterpret_cast<const char*>(id.data()), id.size()));
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
           hex.substr(16, 4) + "-" + hex.substr(20);
}

} // namespace portal::infra
