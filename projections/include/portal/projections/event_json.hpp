#pragma once

/// An event's payload as a JSON value, built directly from the Cap'n Proto
/// reader: the value `boost::json::parse(events::to_json(event))` gives
/// (Cap'n Proto's JsonCodec with the schema's annotations), without
/// rendering and parsing text. The audit trail stores it as the change.

#include "portal/schema/events.capnp.h"

#include <boost/json.hpp>

namespace portal::projections {

/// The event as JSON, like `parse(events::to_json(event))`: non-union
/// fields that are set (in schema order), then the active union member;
/// 8- to 32-bit integers as numbers, 64-bit ones as decimal strings, enums
/// by name, `$Json.hex` data as lower-case hex, other data as byte arrays,
/// void as null. A struct with annotations this does not render (flatten,
/// discriminator, base64) falls back to `to_json` and a parse.
boost::json::value event_json(schema::Event::Reader event);

} // namespace portal::projections
