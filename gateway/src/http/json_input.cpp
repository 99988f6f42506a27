#include "http/json_input.hpp"

#include <algorithm>
#include <cmath>

namespace portal::gateway {

namespace {

std::string_view
trim(std::string_view s)
{
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

std::size_t
code_points(std::string_view s)
{
    // The body is valid UTF-8 (Boost.JSON checks): count lead bytes.
    return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool
has_control(std::string_view s)
{
    return std::any_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7F;
    });
}

bool
is_json_media_type(std::string_view type)
{
    auto semi = type.find(';');
    auto base = trim(type.substr(0, semi));
    std::string lower(base);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    return lower == "application/json" ||
           (lower.starts_with("application/") && lower.ends_with("+json"));
}

} // namespace

input::input(std::shared_ptr<shared_state> shared,
             const boost::json::object* object,
             std::string prefix)
  : shared_(std::move(shared))
  , object_(object)
  , prefix_(std::move(prefix))
{
}

std::expected<input, response>
input::parse(const request& req, json_limits limits)
{
    auto type = req[http::field::content_type];
    if (!type.empty() && !is_json_media_type(type)) {
        return std::unexpected(problem(http::status::unsupported_media_type,
                                       "http.unsupported_media_type",
                                       "the body must be application/json"));
    }
    return parse_text(req.body(), limits);
}

std::expected<input, response>
input::parse_text(std::string_view text, json_limits limits)
{
    auto shared = std::make_shared<shared_state>();
    shared->limits = limits;
    if (trim(text).empty()) {
        shared->document = boost::json::object{};
    } else {
        boost::json::parse_options options;
        options.max_depth = limits.max_depth;
        boost::system::error_code ec;
        shared->document = boost::json::parse(text, ec, {}, options);
        if (ec) {
            return std::unexpected(problem(http::status::bad_request,
                                           "validation.json",
                                           "the body is not valid JSON: " + ec.message()));
        }
    }
    if (!shared->document.is_object()) {
        return std::unexpected(
          problem(http::status::bad_request, "validation.json", "the body must be a JSON object"));
    }
    shared->structured.insert("");
    const auto* root = &shared->document.get_object();
    return input(std::move(shared), root, "");
}

std::string
input::path(std::string_view name) const
{
    if (prefix_.empty()) {
        return std::string(name);
    }
    return prefix_ + "." + std::string(name);
}

void
input::reject(std::string_view name, std::string code)
{
    auto p = path(name);
    // One error per field: the first is the most useful.
    for (const auto& e : shared_->errors) {
        if (e.field == p) {
            return;
        }
    }
    shared_->errors.push_back({ std::move(p), std::move(code) });
}

bool
input::has(std::string_view name) const
{
    auto it = object_->find(name);
    return it != object_->end() && !it->value().is_null();
}

const boost::json::value*
input::field(std::string_view name, presence p)
{
    shared_->read.insert(path(name));
    auto it = object_->find(name);
    if (it == object_->end() || it->value().is_null()) {
        if (p == presence::required) {
            reject(name, "validation.required");
        }
        return nullptr;
    }
    return &it->value();
}

std::optional<std::string>
input::text(std::string_view name, presence p, std::size_t max_len)
{
    const auto* v = field(name, p);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        reject(name, "validation.type");
        return std::nullopt;
    }
    auto value = trim(std::string_view(v->get_string()));
    if (max_len == 0) {
        max_len = shared_->limits.max_text;
    }
    if (code_points(value) > max_len) {
        reject(name, "validation.too_long");
        return std::nullopt;
    }
    if (max_len <= shared_->limits.max_text ? has_control(value)
                                            : std::any_of(value.begin(), value.end(), [](char c) {
                                                  auto u = static_cast<unsigned char>(c);
                                                  return u == 0 || u == 0x7F;
                                              })) {
        reject(name, "validation.type");
        return std::nullopt;
    }
    if (value.empty() && p == presence::required) {
        reject(name, "validation.empty");
        return std::nullopt;
    }
    return std::string(value);
}

std::optional<std::string>
input::long_text(std::string_view name, presence p)
{
    return text(name, p, shared_->limits.max_long_text);
}

std::optional<std::string>
input::one_of(std::string_view name, presence p, std::initializer_list<std::string_view> allowed)
{
    auto value = text(name, p);
    if (!value) {
        return std::nullopt;
    }
    if (std::find(allowed.begin(), allowed.end(), *value) == allowed.end()) {
        reject(name, "validation.enum");
        return std::nullopt;
    }
    return value;
}

std::optional<std::string>
input::email(std::string_view name, presence p)
{
    auto value = text(name, p, 254);
    if (!value) {
        return std::nullopt;
    }
    if (value->empty() && p == presence::optional) {
        return value;
    }
    auto at = value->find('@');
    bool ok = at != std::string::npos && at > 0 && at + 1 < value->size() &&
              value->find('@', at + 1) == std::string::npos &&
              value->find_first_of(" \t\r\n,;<>") == std::string::npos;
    if (!ok) {
        reject(name, "validation.email");
        return std::nullopt;
    }
    return value;
}

std::optional<std::int64_t>
input::integer(std::string_view name, presence p, std::int64_t min, std::int64_t max)
{
    const auto* v = field(name, p);
    if (v == nullptr) {
        return std::nullopt;
    }
    std::int64_t value = 0;
    if (v->is_int64()) {
        value = v->get_int64();
    } else if (v->is_uint64()) {
        reject(name, "validation.range");
        return std::nullopt;
    } else if (v->is_double()) {
        double d = v->get_double();
        if (std::trunc(d) != d || std::abs(d) > 9.0e15) {
            reject(name, "validation.type");
            return std::nullopt;
        }
        value = static_cast<std::int64_t>(d);
    } else {
        reject(name, "validation.type");
        return std::nullopt;
    }
    if (value < min || value > max) {
        reject(name, "validation.range");
        return std::nullopt;
    }
    return value;
}

std::optional<double>
input::number(std::string_view name, presence p, double min, double max)
{
    const auto* v = field(name, p);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_number()) {
        reject(name, "validation.type");
        return std::nullopt;
    }
    double value = v->to_number<double>();
    if (!std::isfinite(value)) {
        reject(name, "validation.type");
        return std::nullopt;
    }
    if (value < min || value > max) {
        reject(name, "validation.range");
        return std::nullopt;
    }
    return value;
}

std::optional<bool>
input::boolean(std::string_view name, presence p)
{
    const auto* v = field(name, p);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_bool()) {
        reject(name, "validation.type");
        return std::nullopt;
    }
    return v->get_bool();
}

std::optional<date>
input::day(std::string_view name, presence p)
{
    const auto* v = field(name, p);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        reject(name, "validation.type");
        return std::nullopt;
    }
    auto parsed = parse_date(std::string_view(v->get_string()));
    if (!parsed) {
        reject(name, "validation.date");
        return std::nullopt;
    }
    return parsed;
}

std::optional<timestamp>
input::time(std::string_view name, presence p)
{
    const auto* v = field(name, p);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        reject(name, "validation.type");
        return std::nullopt;
    }
    auto parsed = parse_rfc3339(std::string_view(v->get_string()));
    if (!parsed) {
        reject(name, "validation.date");
        return std::nullopt;
    }
    return parsed;
}

std::optional<input>
input::object(std::string_view name, presence p)
{
    const auto* v = field(name, p);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_object()) {
        reject(name, "validation.type");
        return std::nullopt;
    }
    auto sub = path(name);
    shared_->structured.insert(sub);
    return input(shared_, &v->get_object(), std::move(sub));
}

std::optional<std::vector<input>>
input::objects(std::string_view name, presence p, std::size_t max_items)
{
    const auto* v = field(name, p);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_array()) {
        reject(name, "validation.type");
        return std::nullopt;
    }
    const auto& list = v->get_array();
    if (list.size() > (max_items == 0 ? shared_->limits.max_items : max_items)) {
        reject(name, "validation.too_many");
        return std::nullopt;
    }
    std::vector<input> items;
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto item_path = path(name) + "[" + std::to_string(i) + "]";
        if (!list[i].is_object()) {
            shared_->errors.push_back({ item_path, "validation.type" });
            continue;
        }
        shared_->read.insert(item_path);
        shared_->structured.insert(item_path);
        items.push_back(input(shared_, &list[i].get_object(), std::move(item_path)));
    }
    return items;
}

std::optional<std::vector<std::string>>
input::texts(std::string_view name, presence p, std::size_t max_items, std::size_t max_len)
{
    const auto* v = field(name, p);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_array()) {
        reject(name, "validation.type");
        return std::nullopt;
    }
    const auto& list = v->get_array();
    if (list.size() > (max_items == 0 ? shared_->limits.max_items : max_items)) {
        reject(name, "validation.too_many");
        return std::nullopt;
    }
    if (max_len == 0) {
        max_len = shared_->limits.max_text;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto item_path = path(name) + "[" + std::to_string(i) + "]";
        if (!list[i].is_string()) {
            shared_->errors.push_back({ item_path, "validation.type" });
            ok = false;
            continue;
        }
        auto value = trim(std::string_view(list[i].get_string()));
        if (code_points(value) > max_len) {
            shared_->errors.push_back({ item_path, "validation.too_long" });
            ok = false;
            continue;
        }
        if (value.empty() || has_control(value)) {
            shared_->errors.push_back(
              { item_path, value.empty() ? "validation.empty" : "validation.type" });
            ok = false;
            continue;
        }
        out.emplace_back(value);
    }
    if (!ok) {
        return std::nullopt;
    }
    return out;
}

void
input::collect_unknown(const boost::json::object& object,
                       const std::string& prefix,
                       std::vector<field_error>& out) const
{
    auto contains = [](const std::unordered_set<std::string>& set, const std::string& p) {
        return set.contains(p);
    };
    for (const auto& kv : object) {
        auto p = prefix.empty() ? std::string(kv.key()) : prefix + "." + std::string(kv.key());
        if (!contains(shared_->read, p)) {
            out.push_back({ p, "validation.unknown_field" });
            continue;
        }
        if (kv.value().is_object() && contains(shared_->structured, p)) {
            collect_unknown(kv.value().get_object(), p, out);
        } else if (kv.value().is_array()) {
            const auto& list = kv.value().get_array();
            for (std::size_t i = 0; i < list.size(); ++i) {
                auto item = p + "[" + std::to_string(i) + "]";
                if (list[i].is_object() && contains(shared_->structured, item)) {
                    collect_unknown(list[i].get_object(), item, out);
                }
            }
        }
    }
}

std::optional<response>
input::finish()
{
    auto errors = shared_->errors;
    collect_unknown(shared_->document.get_object(), "", errors);
    if (errors.empty()) {
        return std::nullopt;
    }
    return validation_problem(std::move(errors));
}

} // namespace portal::gateway
