#pragma once

/// Hashes, random bytes and ids (libsodium). Thread-safe after `init()`.

#include "portal/events/event_log.hpp"
#include "portal/events/time.hpp"

#include <string>
#include <string_view>

namespace portal::infra {

/// Initialises libsodium; idempotent, thread-safe. Throws on failure (start-up).
void crypto_init();

/// BLAKE2b with a 32-byte digest of `bytes`, as 32 raw bytes.
std::string blake2b_256(std::string_view bytes);

/// Fills `out` with cryptographically random bytes.
void random_bytes(void* out, std::size_t size);

/// A UUIDv7 (RFC 9562): 48-bit Unix milliseconds of `now`, version 7,
/// variant 10, 74 random bits. The random bits come from a ChaCha20 stream
/// per thread, keyed from the operating system once (and again in a forked
/// child), not from one system call per id. Ids are unique, not secret:
/// tokens and keys use `random_bytes`.
events::uuid uuid_v7(timestamp now);

/// How often the id streams of all threads read a new block (diagnostics
/// and tests: one block serves 32 ids).
std::uint64_t id_random_refills();

/// Lower-case canonical text form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
std::string to_string(const events::uuid& id);

/// Lower-case hex of arbitrary bytes.
std::string to_hex(std::string_view bytes);

} // namespace portal::infra
