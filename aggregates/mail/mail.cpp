#include "mail/mail.hpp"

#include <algorithm>

namespace portal::domain::mail {

namespace {

void
set_uuid(::capnp::Data::Builder out, const events::uuid& id)
{
    std::copy(id.begin(), id.end(), out.begin());
}

} // namespace

decision
decide(const state& s, const record_delivery& c, const context& ctx)
{
    if (ctx.actor.acting_as != role::system) {
        return forbid("mail.not_allowed", "only the mail dispatcher records deliveries");
    }
    if (std::all_of(c.source_event_id.begin(), c.source_event_id.end(), [](std::uint8_t b) {
            return b == 0;
        })) {
        return invalid("validation.source_event_id", "the event that caused the mail is required");
    }
    if (trim(c.message_id).empty()) {
        return invalid("validation.message_id", "the Message-ID is required");
    }
    if (c.sent && c.attempts == 0) {
        return invalid("validation.attempts", "a sent mail took at least one attempt");
    }
    if (!c.sent && trim(c.reason).empty()) {
        return invalid("validation.reason", "a failed delivery needs its reason");
    }
    if (s.exists) {
        return no_events(); // the first outcome stands
    }
    return one_event([&](schema::Event::Builder e) {
        auto m = e.initMail();
        if (c.sent) {
            auto b = m.initSent();
            set_uuid(b.initSourceEventId(16), c.source_event_id);
            b.setIndex(c.index);
            b.setKind(c.kind);
            b.setMessageId(c.message_id);
            b.setAttempts(c.attempts);
        } else {
            auto b = m.initFailed();
            set_uuid(b.initSourceEventId(16), c.source_event_id);
            b.setIndex(c.index);
            b.setKind(c.kind);
            b.setMessageId(c.message_id);
            b.setAttempts(c.attempts);
            b.setReason(c.reason);
        }
    });
}

state
evolve(state s, schema::MailEvent::Reader event)
{
    if (s.exists) {
        return s; // the first outcome stands
    }
    switch (event.which()) {
        case schema::MailEvent::SENT: {
            auto e = event.getSent();
            s.sent = true;
            s.kind = str(e.getKind());
            s.message_id = str(e.getMessageId());
            s.attempts = e.getAttempts();
            break;
        }
        case schema::MailEvent::FAILED: {
            auto e = event.getFailed();
            s.sent = false;
            s.kind = str(e.getKind());
            s.message_id = str(e.getMessageId());
            s.attempts = e.getAttempts();
            s.reason = str(e.getReason());
            break;
        }
    }
    s.exists = true;
    return s;
}

state
evolve(state s, schema::Event::Reader event)
{
    if (event.which() != schema::Event::MAIL) {
        return s;
    }
    return evolve(std::move(s), event.getMail());
}

state
fold(const std::vector<event_payload>& events)
{
    state s;
    for (const auto& e : events) {
        s = evolve(std::move(s), e.reader());
    }
    return s;
}

std::string
entry_key(const events::uuid& source_event_id, std::uint16_t index)
{
    constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    out.reserve(40);
    for (auto b : source_event_id) {
        out += digits[b >> 4];
        out += digits[b & 0x0f];
    }
    auto n = std::to_string(index);
    out += '-';
    if (n.size() < 2) {
        out += '0';
    }
    out += n;
    return out;
}

std::string
stream_id(std::string_view entry_key)
{
    return "mail-" + std::string(entry_key);
}

} // namespace portal::domain::mail
