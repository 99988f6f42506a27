#include "app/mail.hpp"

#include <utility>

namespace portal::app {

using namespace portal::domain;

result<outcome>
record_mail_delivery(const services& s,
                     const command_meta& meta,
                     std::string_view partition_key,
                     const mail::record_delivery& command)
{
    auto key = mail::entry_key(command.source_event_id, command.index);
    return execute<mail::state>(
      s.log,
      target{ mail::stream_id(key), std::string(partition_key) },
      command,
      [&](const mail::state&, fact_reader&) -> result<mail::context> {
          mail::context ctx;
          ctx.actor = meta.actor;
          ctx.now = meta.now;
          return ctx;
      },
      meta);
}

result<std::optional<mail::state>>
recorded_mail_delivery(const services& s, std::string_view entry_key)
{
    auto loaded = domain::load_shared<mail::state>(s.log, mail::stream_id(entry_key));
    if (!loaded) {
        return fail(std::move(loaded.error()));
    }
    if (loaded->version == 0 || !loaded->state->exists) {
        return std::optional<mail::state>{};
    }
    return std::optional<mail::state>(*loaded->state);
}

} // namespace portal::app
