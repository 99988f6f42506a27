#include "seminar/seminar.hpp"

#include <algorithm>

namespace portal::domain::seminar {

namespace {

bool
is_staff(const context& ctx) noexcept
{
    return ctx.actor.acting_as == role::staff;
}

std::unexpected<error>
not_staff()
{
    return forbid("seminar.not_staff", "only chamber staff may do this");
}

std::unexpected<error>
not_found()
{
    return missing("seminar.not_found", "no such seminar");
}

std::unexpected<error>
registration_not_found()
{
    return missing("seminar.registration_not_found", "no such registration");
}

template<class State>
auto*
find(State& s, std::string_view id) noexcept
{
    auto it = std::find_if(
      s.registrations.begin(), s.registrations.end(), [&](const auto& r) { return r.id == id; });
    return it == s.registrations.end() ? nullptr : &*it;
}

} // namespace

unsigned
confirmed_count(const state& s) noexcept
{
    return static_cast<unsigned>(
      std::count_if(s.registrations.begin(), s.registrations.end(), [](const registration& r) {
          return r.status == registration_status::confirmed;
      }));
}

std::string_view
to_string(registration_status s) noexcept
{
    switch (s) {
        case registration_status::requested:
            return "requested";
        case registration_status::confirmed:
            return "confirmed";
        case registration_status::cancelled:
            return "cancelled";
    }
    return "requested";
}

decision
decide(const state& s, const schedule& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return not_staff();
    }
    if (!valid_text(c.title, k_max_name)) {
        return invalid("validation.title", "the title is required");
    }
    auto day = parse_date(c.date);
    if (!day) {
        return invalid("validation.date", "the date must be YYYY-MM-DD");
    }
    if (!valid_text(c.location, k_max_name)) {
        return invalid("validation.location", "the location is required");
    }
    if (c.capacity < 1 || c.capacity > UINT16_MAX) {
        return invalid("validation.capacity", "the capacity must be at least 1");
    }
    auto title = std::string(trim(c.title));
    auto location = std::string(trim(c.location));
    if (s.exists) {
        if (s.title == title && s.day == *day && s.location == location &&
            s.capacity == c.capacity) {
            return no_events();
        }
        return reject("seminar.already_scheduled", "the seminar is already scheduled");
    }
    if (*day < day_of(ctx.now)) {
        return reject("seminar.date_in_past", "the seminar date lies in the past");
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initSeminar().initScheduled();
        ev.setTitle(title);
        ev.setDate(format_date(*day));
        ev.setLocation(location);
        ev.setCapacity(static_cast<std::uint16_t>(c.capacity));
    });
}

decision
decide(const state& s, const request_registration& c, const context& ctx)
{
    if (!s.exists) {
        return not_found();
    }
    if (trim(c.registration_id).empty()) {
        return invalid("validation.registration_id", "the registration id is required");
    }
    if (ctx.actor.acting_as != role::examiner || !ctx.actor_is_examiner ||
        ctx.actor.account_id.empty()) {
        return forbid("seminar.not_examiner", "only examiners register for seminars");
    }
    if (const auto* same = find(s, c.registration_id); same != nullptr) {
        if (same->account_id == ctx.actor.account_id) {
            return no_events();
        }
        return reject("seminar.registration_id_taken", "the registration id is taken");
    }
    bool registered =
      std::any_of(s.registrations.begin(), s.registrations.end(), [&](const registration& r) {
          return r.account_id == ctx.actor.account_id && r.status != registration_status::cancelled;
      });
    if (registered) {
        return reject("seminar.already_registered", "already registered for this seminar");
    }
    if (day_of(ctx.now) > s.day) {
        return reject("seminar.registration_closed", "the seminar has taken place");
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initSeminar().initRegistrationRequested();
        ev.setRegistrationId(c.registration_id);
        ev.setAccountId(ctx.actor.account_id);
    });
}

decision
decide(const state& s, const confirm_registration& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return not_staff();
    }
    if (!s.exists) {
        return not_found();
    }
    const auto* reg = find(s, c.registration_id);
    if (reg == nullptr) {
        return registration_not_found();
    }
    switch (reg->status) {
        case registration_status::confirmed:
            return no_events();
        case registration_status::cancelled:
            return reject("seminar.registration_cancelled", "the registration was cancelled");
        case registration_status::requested:
            break;
    }
    if (confirmed_count(s) >= s.capacity) {
        return reject("seminar.full", "every place of the seminar is taken");
    }
    return one_event([&](schema::Event::Builder e) {
        e.initSeminar().initRegistrationConfirmed().setRegistrationId(c.registration_id);
    });
}

decision
decide(const state& s, const cancel_registration& c, const context& ctx)
{
    if (!s.exists) {
        return not_found();
    }
    const auto* reg = find(s, c.registration_id);
    if (reg == nullptr) {
        return registration_not_found();
    }
    bool own = !ctx.actor.account_id.empty() && ctx.actor.account_id == reg->account_id;
    if (!is_staff(ctx) && !own) {
        return forbid("seminar.not_allowed", "only the registered examiner or staff may cancel");
    }
    if (reg->status == registration_status::cancelled) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initSeminar().initRegistrationCancelled();
        ev.setRegistrationId(c.registration_id);
        ev.setReason(std::string(trim(c.reason)));
    });
}

state
evolve(state s, schema::SeminarEvent::Reader event)
{
    switch (event.which()) {
        case schema::SeminarEvent::SCHEDULED: {
            auto ev = event.getScheduled();
            s.exists = true;
            s.title = str(ev.getTitle());
            s.day = parse_date(str(ev.getDate())).value_or(date{});
            s.location = str(ev.getLocation());
            s.capacity = ev.getCapacity();
            break;
        }
        case schema::SeminarEvent::REGISTRATION_REQUESTED: {
            auto ev = event.getRegistrationRequested();
            s.registrations.push_back({ str(ev.getRegistrationId()),
                                        str(ev.getAccountId()),
                                        registration_status::requested });
            break;
        }
        case schema::SeminarEvent::REGISTRATION_CONFIRMED:
            if (auto* r = find(s, str(event.getRegistrationConfirmed().getRegistrationId()))) {
                r->status = registration_status::confirmed;
            }
            break;
        case schema::SeminarEvent::REGISTRATION_CANCELLED:
            if (auto* r = find(s, str(event.getRegistrationCancelled().getRegistrationId()))) {
                r->status = registration_status::cancelled;
            }
            break;
    }
    return s;
}

state
evolve(state s, schema::Event::Reader event)
{
    if (event.which() != schema::Event::SEMINAR) {
        return s;
    }
    return evolve(std::move(s), event.getSeminar());
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
stream_id(std::string_view seminar_id)
{
    return "seminar-" + std::string(seminar_id);
}

std::string
partition_key(std::string_view seminar_id)
{
    return "seminar-" + std::string(seminar_id);
}

} // namespace portal::domain::seminar
