#include "mail_writer.hpp"

#include "app/policies.hpp"
#include "mail/mail.hpp"
#include "portal/events/message.hpp"
#include "portal/infra/secrets.hpp"
#include "portal/projections/read_models.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace portal::cli {

namespace {

namespace json = boost::json;

std::string
str(const json::object& o, std::string_view key)
{
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                    : std::string{};
}

/// The envelope of the event at `position`.
result<events::envelope>
envelope_at(events::event_log& log, std::uint64_t position)
{
    if (position == 0) {
        return fail(error::not_found("mail.event_not_found", "no event at position 0"));
    }
    auto batch = log.read_all(events::position{ position - 1 }, 1);
    if (!batch) {
        return fail(batch.error());
    }
    if (batch->empty() || batch->front().position.value != position) {
        return fail(error::not_found("mail.event_not_found",
                                     fmt::format("no event at position {}", position)));
    }
    return events::envelope::decode(batch->front().envelope_bytes);
}

std::string
html_paragraphs(std::string_view text)
{
    std::string html = "<!DOCTYPE html><html><body><p>";
    for (char c : text) {
        if (c == '\n') {
            html += "<br>";
        } else {
            html += infra::html_escape(std::string_view(&c, 1));
        }
    }
    return html + "</p></body></html>";
}

std::string
base(const infra::mail_settings& s)
{
    auto url = s.base_url;
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    return url;
}

} // namespace

std::string
outbox_mail_id(std::string_view entry_id)
{
    std::string id(entry_id);
    std::replace(id.begin(), id.end(), '/', '-');
    return id;
}

namespace {

/// The source of `entry` whose envelope is `env`.
result<outbox_source>
source_of(const std::string& id, std::uint64_t position, const events::envelope& env)
{
    auto slash = id.rfind('/');
    unsigned long index = 0;
    try {
        if (slash == std::string::npos) {
            throw std::invalid_argument(id);
        }
        index = std::stoul(id.substr(slash + 1));
    } catch (const std::exception&) {
        return fail(error::invalid("mail.bad_entry", "an outbox entry id without index: " + id));
    }
    if (index > 0xffff) {
        return fail(error::invalid("mail.bad_entry", "an outbox entry index out of range: " + id));
    }
    auto e = env.reader();
    auto bytes = e.getEventId();
    outbox_source out;
    if (bytes.size() != out.event_id.size()) {
        return fail(error::invalid("mail.bad_entry", "the event of " + id + " has no event id"));
    }
    std::copy(bytes.begin(), bytes.end(), out.event_id.begin());
    out.index = static_cast<std::uint16_t>(index);
    out.partition_key = domain::str(e.getPartitionKey());
    out.key = domain::mail::entry_key(out.event_id, out.index);
    out.position = events::position{ position };
    return out;
}

/// The id and the position of an entry.
result<std::pair<std::string, std::uint64_t>>
id_and_position(const boost::json::object& entry)
{
    auto id = str(entry, "id");
    const auto* position = entry.if_contains("position");
    if (id.empty() || position == nullptr || !position->is_number()) {
        return fail(error::invalid("mail.bad_entry", "an outbox entry without id or position"));
    }
    return std::pair{ id, position->to_number<std::uint64_t>() };
}

} // namespace

result<outbox_source>
outbox_entry_source(events::event_log& log, const boost::json::object& entry)
{
    auto at = id_and_position(entry);
    if (!at) {
        return fail(at.error());
    }
    auto env = envelope_at(log, at->second);
    if (!env) {
        return fail(env.error());
    }
    return source_of(at->first, at->second, *env);
}

result<infra::mail_message>
render_outbox_entry(events::event_log& log,
                    const boost::json::object& entry,
                    const infra::mail_settings& mail,
                    std::string_view key)
{
    auto kind = str(entry, "kind");
    auto recipient = str(entry, "recipient");
    auto at = id_and_position(entry);
    if (!at) {
        return fail(at.error());
    }
    auto env = envelope_at(log, at->second);
    if (!env) {
        return fail(env.error());
    }
    auto source = source_of(at->first, at->second, *env);
    if (!source) {
        return fail(source.error());
    }
    auto e = env->reader();
    auto command_id = domain::str(e.getCommandId());
    auto payload = e.getPayload();
    infra::mail_message m;
    infra::mail_address to{ "", recipient };
    if (kind == "invitation" && payload.isAccount() && payload.getAccount().isInvitationIssued()) {
        infra::account_invitation d;
        d.to = to;
        d.token = infra::derive_token(key, app::k_invitation_purpose, command_id);
        d.expires = from_micros(payload.getAccount().getInvitationIssued().getExpiresAt());
        m = infra::account_invitation_mail(mail, d);
    } else if (kind == "supervisor_pin") {
        infra::supervisor_pin d;
        d.to = to;
        d.pin = infra::derive_pin(key, app::k_pin_purpose, command_id);
        m = infra::supervisor_pin_mail(mail, d);
    } else if (kind == "password_reset" && payload.isAccount() &&
               payload.getAccount().isPasswordResetRequested()) {
        infra::password_reset d;
        d.to = to;
        d.token = infra::derive_token(key, app::k_reset_purpose, command_id);
        d.expires = from_micros(payload.getAccount().getPasswordResetRequested().getExpiresAt());
        m = infra::password_reset_mail(mail, d);
    } else {
        // Notifications: the outbox's German text and a link.
        std::string link = base(mail);
        const auto* ref_value = entry.if_contains("reference");
        static const boost::json::object no_reference;
        const auto& ref =
          ref_value != nullptr && ref_value->is_object() ? ref_value->as_object() : no_reference;
        if (auto report = str(ref, "reportId"); !report.empty()) {
            link += std::string(infra::mail_paths::reports) + "/" + report;
        } else if (auto proposal = str(ref, "proposalId"); !proposal.empty()) {
            link += std::string(infra::mail_paths::proposals) + "/" + proposal;
        } else if (kind == "results_published") {
            link += infra::mail_paths::exams;
        } else {
            link += infra::mail_paths::login;
        }
        auto text =
          str(entry, "body") + "\n" + link + "\n\nMit freundlichen Grüßen\nIhr Ausbildungsportal\n";
        m.from = mail.from;
        m.to = { to };
        m.subject = str(entry, "subject");
        m.text_body = text;
        m.html_body = html_paragraphs(text);
        m.headers.push_back({ "Auto-Submitted", "auto-generated" });
        if (const auto* cc = entry.if_contains("cc"); cc != nullptr && cc->is_array()) {
            for (const auto& c : cc->as_array()) {
                if (c.is_string()) {
                    m.cc.push_back({ "", std::string(c.as_string()) });
                }
            }
        }
    }
    m.date = from_micros(e.getRecordedAt());
    auto domain_at = mail.from.email.rfind('@');
    m.message_id = source->key + "@" +
                   (domain_at == std::string::npos ? std::string("portal.invalid")
                                                   : mail.from.email.substr(domain_at + 1));
    return m;
}

mail_writer::mail_writer(events::event_log& log,
                         infra::kv_store& store,
                         mail_writer_options options,
                         infra::eml_outbox outbox)
  : log_(log)
  , store_(store)
  , options_(std::move(options))
  , outbox_(std::move(outbox))
{
}

result<std::unique_ptr<mail_writer>>
mail_writer::open(events::event_log& log, infra::kv_store& store, mail_writer_options options)
{
    auto outbox = infra::eml_outbox::open(options.dir);
    if (!outbox) {
        return fail(outbox.error());
    }
    return std::unique_ptr<mail_writer>(
      new mail_writer(log, store, std::move(options), std::move(*outbox)));
}

result<std::size_t>
mail_writer::write_pending(const std::function<bool()>& keep_going)
{
    auto saved = store_.get(k_mail_files_checkpoint);
    if (!saved) {
        return fail(saved.error());
    }
    std::string after = saved->value_or("");
    std::size_t written = 0;
    for (;;) {
        auto entries = projections::outbox_entries(store_, after, 100);
        if (!entries) {
            return fail(entries.error());
        }
        if (entries->empty()) {
            return written;
        }
        for (const auto& value : *entries) {
            if (keep_going && !keep_going()) {
                return written; // the checkpoint is saved per mail: the rest comes next time
            }
            const auto& entry = value.as_object();
            auto id = str(entry, "id");
            auto m = render_outbox_entry(log_, entry, options_.mail, options_.key);
            if (!m) {
                return fail(m.error());
            }
            auto file_id = outbox_mail_id(id);
            auto w = outbox_.write(file_id, *m);
            if (!w) {
                return fail(w.error());
            }
            written += w->already_written ? 0 : 1;
            after = id;
            infra::write_batch checkpoint;
            checkpoint.put(k_mail_files_checkpoint, after);
            auto saved_checkpoint = store_.write(checkpoint);
            if (!saved_checkpoint) {
                return fail(saved_checkpoint.error());
            }
        }
    }
}

result<std::size_t>
mail_writer::forget_erased(const std::function<bool()>& keep_going)
{
    auto saved = store_.get(k_mail_files_erasure_checkpoint);
    if (!saved) {
        return fail(saved.error());
    }
    std::string after = saved->value_or("");
    std::size_t changed = 0;
    for (;;) {
        auto notes = projections::outbox_erasures(store_, after, 100);
        if (!notes) {
            return fail(notes.error());
        }
        if (notes->empty()) {
            return changed;
        }
        for (const auto& note : *notes) {
            if (keep_going && !keep_going()) {
                return changed;
            }
            auto entry = projections::outbox_entry(store_, note.entry_id);
            if (!entry) {
                return fail(entry.error());
            }
            auto file_id = outbox_mail_id(note.entry_id);
            result<bool> done = false;
            if (!*entry || note.change != projections::k_mail_rewritten) {
                // A mail to the erased person (or made for the erased
                // login's address): its file goes.
                done = outbox_.remove(file_id);
            } else {
                auto m = render_outbox_entry(log_, **entry, options_.mail, options_.key);
                if (!m && m.error().cls == error_class::unavailable) {
                    return fail(m.error()); // the log: the next pass tries again
                }
                if (m) {
                    done = outbox_.replace(file_id, *m);
                } else {
                    // Never keep the erased data for want of a new rendering.
                    spdlog::warn("mail files: {} cannot be rendered again ({}); its file is "
                                 "deleted",
                                 note.entry_id,
                                 m.error().message);
                    done = outbox_.remove(file_id);
                }
            }
            if (!done) {
                return fail(done.error());
            }
            changed += *done ? 1 : 0;
            after = note.key;
            infra::write_batch checkpoint;
            checkpoint.put(k_mail_files_erasure_checkpoint, after);
            if (auto written = store_.write(checkpoint); !written) {
                return fail(written.error());
            }
        }
    }
}

} // namespace portal::cli
