#pragma once

/// Sealing and unsealing the personal data of stored envelopes
/// (crypto-shredding; which fields: `portal/events/personal_data.hpp`).
///
/// A writer seals: each subject's fields of the payload are encrypted with
/// the subject's 32-byte key (XChaCha20-Poly1305, random nonce, additional
/// data = event id and subject) into `Envelope.sealed` and left empty in the
/// payload; the hash chain covers these stored bytes. A subject already
/// erased gets its fields dropped (empty, nothing sealed). A reader unseals:
/// the fields are restored while the subject's key exists and stay empty once
/// it was destroyed; the `sealed` list is gone from what readers see.

#include "portal/events/error.hpp"
#include "portal/schema/events.capnp.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace portal::infra {

/// Bytes of a subject key.
inline constexpr std::size_t k_subject_key_bytes = 32;

/// A new random subject key.
std::string new_subject_key();

/// For writers: the key of a subject, created when it has none; nullopt when
/// the subject was erased (its fields are then dropped).
using subject_key_for = std::function<std::optional<std::string>(const std::string& subject)>;

/// Seals the personal data of `env`'s payload (the envelope's stream id and
/// event id must be set). Nothing changes for an event without personal data.
void seal_personal_data(schema::Envelope::Builder env, const subject_key_for& key_for);

/// What a reader knows of a subject's key.
struct subject_key
{
    enum class state
    {
        present, ///< `key` holds it
        erased,  ///< destroyed: the subject's fields read as empty
        missing, ///< never seen (a log whose keys lag its events): an error
    };
    state st = state::missing;
    std::string key;
};
using subject_key_lookup = std::function<subject_key(std::string_view subject)>;

/// Whether stored envelope bytes carry sealed personal data (cheap: the root
/// pointer only). False for bytes that do not decode.
bool has_sealed_personal_data(std::string_view envelope_bytes);

/// The envelope as readers see it: `stored` unchanged when nothing is sealed,
/// else re-encoded with the personal fields restored (or empty for erased
/// subjects) and without `sealed`. Errors: `codec.malformed` (bytes),
/// `log.corrupt` (a ciphertext that fails authentication), `log.key_missing`
/// (a key the log does not have yet).
result<std::string> unseal_envelope(std::string_view stored, const subject_key_lookup& lookup);

} // namespace portal::infra
