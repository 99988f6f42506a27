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
/// variant 10, 74 random bits.
events::uuid uuid_v7(timestamp now);

/// Lower-case canonical text form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
std::string to_string(const events::uuid& id);

/// Lower-case hex of arbitrary bytes.
std::string to_hex(std::string_view bytes);

} // namespace portal::infra
