#pragma once

/// Strong types for ids: explicit construction, no implicit conversion back.

#include <compare>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace portal {

/// An id of one kind of thing; `strong_id<struct contract_tag>` and
/// `strong_id<struct company_tag>` do not mix.
template<class Tag>
class strong_id
{
  public:
    strong_id() = default;
    explicit strong_id(std::string value)
      : value_(std::move(value))
    {
    }

    /// The id as text.
    const std::string& str() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }

    friend auto operator<=>(const strong_id&, const strong_id&) = default;
    friend bool operator==(const strong_id&, const strong_id&) = default;

  private:
    std::string value_;
};

} // namespace portal

template<class Tag>
struct std::hash<portal::strong_id<Tag>>
{
    std::size_t operator()(const portal::strong_id<Tag>& id) const noexcept
    {
        return std::hash<std::string>{}(id.str());
    }
};
