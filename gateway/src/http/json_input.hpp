#pragma once

/// Reading JSON request bodies strictly: every field is read through an
/// `input`, which records a `{field, code}` for a missing required field, a
/// wrong type, an oversized text or list, a bad date or an unknown value,
/// and, at `finish()`, for every field nobody read (unknown fields are
/// errors, so a typo never silently drops data). Codes:
/// `validation.required`, `validation.type`, `validation.too_long`,
/// `validation.empty`, `validation.range`, `validation.date`,
/// `validation.enum`, `validation.too_many`, `validation.unknown_field`,
/// `validation.json` (the body is no JSON object).
///
/// Usage:
///   auto in = input::parse(req);            // 400/415 problem on failure
///   if (!in) return in.error();
///   auto name = in->text("name", required);
///   auto when = in->day("start", required);
///   if (auto bad = in->finish()) return *bad; // all field errors at once
///   ... use *name, *when ...
///
/// Not thread-safe; one request, one thread.

#include "http/http.hpp"
#include "portal/events/time.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <expected>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace portal::gateway {

/// Whether a field must be present (`null` counts as absent).
enum class presence
{
    required,
    optional,
};
inline constexpr presence required = presence::required;
inline constexpr presence optional = presence::optional;

/// The limits of a request body.
struct json_limits
{
    std::size_t max_depth = 16;
    std::size_t max_text = 200;       ///< default for `text`
    std::size_t max_long_text = 8000; ///< default for `long_text`
    std::size_t max_items = 500;      ///< default for lists
};

/// A JSON object being read (see above).
class input
{
  public:
    /// Parses the body of `req` as a JSON object. Failures: 415
    /// `http.unsupported_media_type` when a content type other than JSON is
    /// declared; 400 `validation.json` for bad JSON, too deep nesting or a
    /// non-object. An empty body reads as `{}`.
    static std::expected<input, response> parse(const request& req, json_limits limits = {});

    /// Parses `text` as above (for tests and fuzzing).
    static std::expected<input, response> parse_text(std::string_view text,
                                                     json_limits limits = {});

    /// A text field: trimmed of surrounding white space; required texts may
    /// not be empty; longer than `max_len` (code points) is
    /// `validation.too_long`; control characters other than tab and newline
    /// are `validation.type`.
    std::optional<std::string> text(std::string_view name, presence p, std::size_t max_len = 0);

    /// A text up to `json_limits::max_long_text` (remarks, descriptions).
    std::optional<std::string> long_text(std::string_view name, presence p);

    /// A text that must be one of `allowed`.
    std::optional<std::string> one_of(std::string_view name,
                                      presence p,
                                      std::initializer_list<std::string_view> allowed);

    /// An e-mail address (a text with one `@`, no blanks, at most 254).
    std::optional<std::string> email(std::string_view name, presence p);

    /// An integer in [min, max].
    std::optional<std::int64_t> integer(std::string_view name,
                                        presence p,
                                        std::int64_t min,
                                        std::int64_t max);

    /// A number (integer or decimal, e.g. hours `7.5`) in [min, max];
    /// `validation.type` for a non-number, `validation.range` outside.
    std::optional<double> number(std::string_view name, presence p, double min, double max);

    /// A boolean.
    std::optional<bool> boolean(std::string_view name, presence p);

    /// A date `YYYY-MM-DD`.
    std::optional<date> day(std::string_view name, presence p);

    /// An RFC 3339 time.
    std::optional<timestamp> time(std::string_view name, presence p);

    /// A nested object.
    std::optional<input> object(std::string_view name, presence p);

    /// A list of objects (at most `max_items`, 0 = the default).
    std::optional<std::vector<input>> objects(std::string_view name,
                                              presence p,
                                              std::size_t max_items = 0);

    /// A list of texts.
    std::optional<std::vector<std::string>> texts(std::string_view name,
                                                  presence p,
                                                  std::size_t max_items = 0,
                                                  std::size_t max_len = 0);

    /// Whether the field is present and not null.
    bool has(std::string_view name) const;

    /// Records an error of a field of this object (a rule the caller checks
    /// itself, e.g. `end` before `start`).
    void reject(std::string_view name, std::string code);

    /// The dotted path of a field of this object.
    std::string path(std::string_view name) const;

    /// Marks every field of this object and of the objects read from it as
    /// read and returns the first validation problem: the errors recorded so
    /// far plus one `validation.unknown_field` per field nobody read.
    /// nullopt when the body is valid.
    std::optional<response> finish();

    /// The errors so far (shared by the whole body).
    const std::vector<field_error>& errors() const { return shared_->errors; }

  private:
    struct shared_state
    {
        boost::json::value document;
        std::vector<field_error> errors;
        json_limits limits;
        /// Paths of fields read (dotted, with `[i]` for list items).
        std::unordered_set<std::string> read;
        /// Paths of objects read field by field (their fields must be read).
        std::unordered_set<std::string> structured;
    };

    input(std::shared_ptr<shared_state> shared,
          const boost::json::object* object,
          std::string prefix);

    const boost::json::value* field(std::string_view name, presence p);
    void collect_unknown(const boost::json::object& object,
                         const std::string& prefix,
                         std::vector<field_error>& out) const;

    std::shared_ptr<shared_state> shared_;
    const boost::json::object* object_ = nullptr;
    std::string prefix_;
};

} // namespace portal::gateway
