#pragma once

/// Passwords, PINs, tokens and pseudonymous account ids (libsodium).

#include "portal/events/error.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace portal::infra {

/// argon2id cost. `interactive()` for production; `minimum()` for tests.
struct password_cost
{
    unsigned long long ops = 0;
    std::size_t memory = 0;

    /// libsodium's interactive limits (2 passes, 64 MiB).
    static password_cost interactive() noexcept;
    /// The smallest allowed cost (fast; for tests only).
    static password_cost minimum() noexcept;
};

/// The argon2id hash string of `password` (salted; self-describing).
/// Errors: `secrets.unavailable` when memory for the hash cannot be had.
result<std::string> hash_password(std::string_view password, password_cost cost);

/// True when `password` matches the argon2id `hash` string.
bool verify_password(std::string_view hash, std::string_view password) noexcept;

/// A random token of `bytes` random bytes, URL-safe base64 without padding.
std::string random_token(std::size_t bytes = 32);

/// A random PIN of `digits` decimal digits (uniform).
std::string random_pin(std::size_t digits = 6);

/// BLAKE2b-256 of a token (what events store instead of the token).
std::string token_hash(std::string_view token);

/// A token derived from the data directory's key: URL-safe base64 of the
/// keyed BLAKE2b-256 of `purpose` and `seed`. Tokens and PINs are derived
/// from the id of the command that stores their hash, so whoever renders
/// the mail later (the outbox) finds the same secret without it ever being
/// stored, and a retried command yields the same secret.
std::string derive_token(std::string_view key, std::string_view purpose, std::string_view seed);

/// A PIN of `digits` (1..18) decimal digits derived like `derive_token`.
std::string derive_pin(std::string_view key,
                       std::string_view purpose,
                       std::string_view seed,
                       std::size_t digits = 6);

/// A secret key of 32 bytes kept in `path` (created with mode 0600 on first
/// use). Errors: `secrets.key_unreadable`.
result<std::string> load_or_create_key(const std::filesystem::path& path);

/// A fingerprint of `key` that instances compare to find out whether they
/// share it, without revealing it: `derive_token` of a fixed purpose.
std::string key_fingerprint(std::string_view key);

/// The account id of a login: "acc-" + hex of a keyed BLAKE2b-128 of the
/// normalised (trimmed, lower-case) e-mail. Deterministic for one key,
/// pseudonymous without it.
std::string login_account_id(std::string_view email, std::string_view key);

} // namespace portal::infra
