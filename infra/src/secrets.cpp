#include "portal/infra/secrets.hpp"

#include "portal/infra/crypto.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <fstream>

namespace portal::infra {

password_cost
password_cost::interactive() noexcept
{
    return { crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE };
}

password_cost
password_cost::minimum() noexcept
{
    return { crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN };
}

result<std::string>
hash_password(std::string_view password, password_cost cost)
{
    crypto_init();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out,
                              password.data(),
                              password.size(),
                              cost.ops,
                              cost.memory,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return fail(error::unavailable("secrets.unavailable", "not enough memory to hash"));
    }
    return std::string(out);
}

bool
verify_password(std::string_view hash, std::string_view password) noexcept
{
    crypto_init();
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) {
        return false;
    }
    std::string terminated(hash);
    return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

std::string
random_token(std::size_t bytes)
{
    crypto_init();
    std::string raw(bytes, '\0');
    random_bytes(raw.data(), raw.size());
    std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                    '\0');
    sodium_bin2base64(out.data(),
                      out.size(),
                      reinterpret_cast<const unsigned char*>(raw.data()),
                      raw.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(std::strlen(out.c_str()));
    return out;
}

std::string
random_pin(std::size_t digits)
{
    crypto_init();
    std::string out;
    for (std::size_t i = 0; i < digits; ++i) {
        out.push_back(static_cast<char>('0' + randombytes_uniform(10)));
    }
    return out;
}

std::string
token_hash(std::string_view token)
{
    return blake2b_256(token);
}

namespace {

std::string
keyed_digest(std::string_view key, std::string_view purpose, std::string_view seed)
{
    std::string input(purpose);
    input.push_back('\0');
    input += seed;
    std::string out(32, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(out.data()),
                       out.size(),
                       reinterpret_cast<const unsigned char*>(input.data()),
                       input.size(),
                       reinterpret_cast<const unsigned char*>(key.data()),
                       std::min<std::size_t>(key.size(), crypto_generichash_KEYBYTES_MAX));
    return out;
}

} // namespace

std::string
derive_token(std::string_view key, std::string_view purpose, std::string_view seed)
{
    crypto_init();
    auto raw = keyed_digest(key, purpose, seed);
    std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                    '\0');
    sodium_bin2base64(out.data(),
                      out.size(),
                      reinterpret_cast<const unsigned char*>(raw.data()),
                      raw.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(std::strlen(out.c_str()));
    return out;
}

std::string
key_fingerprint(std::string_view key)
{
    return derive_token(key, "key-fingerprint", "");
}

std::string
derive_pin(std::string_view key,
           std::string_view purpose,
           std::string_view seed,
           std::size_t digits)
{
    crypto_init();
    digits = std::clamp<std::size_t>(digits, 1, 18);
    auto raw = keyed_digest(key, purpose, seed);
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) {
        value = (value << 8) | static_cast<unsigned char>(raw[static_cast<std::size_t>(i)]);
    }
    std::uint64_t modulus = 1;
    for (std::size_t i = 0; i < digits; ++i) {
        modulus *= 10;
    }
    auto text = std::to_string(value % modulus);
    return std::string(digits - text.size(), '0') + text;
}

result<std::string>
load_or_create_key(const std::filesystem::path& path)
{
    crypto_init();
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
        std::ifstream in(path, std::ios::binary);
        std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (key.size() != 32) {
            return fail(
              error::unavailable("secrets.key_unreadable",
                                 fmt::format("{} must hold exactly 32 bytes", path.string())));
        }
        return key;
    }
    std::filesystem::create_directories(path.parent_path(), ec);
    std::string key(32, '\0');
    random_bytes(key.data(), key.size());
    auto tmp = path;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(key.data(), static_cast<std::streamsize>(key.size()));
        out.flush();
        if (!out) {
            return fail(error::unavailable("secrets.key_unreadable",
                                           fmt::format("cannot write {}", tmp.string())));
        }
    }
    ::chmod(tmp.c_str(), 0600);
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        return fail(error::unavailable("secrets.key_unreadable", ec.message()));
    }
    return key;
}

std::string
login_account_id(std::string_view email, std::string_view key)
{
    crypto_init();
    std::string normalized;
    auto begin = email.find_first_not_of(" \t\r\n");
    auto end = email.find_last_not_of(" \t\r\n");
    if (begin != std::string_view::npos) {
        normalized = std::string(email.substr(begin, end - begin + 1));
    }
    std::transform(normalized.begin(), normalized.end(), normalized.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    unsigned char digest[16];
    crypto_generichash(digest,
                       sizeof digest,
                       reinterpret_cast<const unsigned char*>(normalized.data()),
                       normalized.size(),
                       reinterpret_cast<const unsigned char*>(key.data()),
                       key.size());
    return "acc-" + to_hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

} // namespace portal::infra
