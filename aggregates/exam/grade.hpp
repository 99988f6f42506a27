#pragma once

/// The chamber's grade table: points 0..100 to grades 1..6. Pure.

#include <optional>
#include <span>
#include <vector>

namespace portal::domain::exam {

/// From `min_points` upwards (up to the next step) the result gets `grade`.
struct grade_step
{
    unsigned min_points = 0;
    unsigned grade = 0;
    friend bool operator==(const grade_step&, const grade_step&) = default;
};

/// The default table of DOMAIN.md: 92-100 = 1, 81-91 = 2, 67-80 = 3,
/// 50-66 = 4, 30-49 = 5, below 30 = 6.
std::vector<grade_step> default_grade_table();

/// True when the table is usable: at least one step, one step starts at 0,
/// every `min_points` <= 100 and distinct, every grade 1..6.
bool valid_grade_table(std::span<const grade_step> table) noexcept;

/// The grade of `points` (0..100): the step with the highest `min_points`
/// not above `points`. An empty table means the default table. nullopt when
/// the table is invalid or `points` > 100.
std::optional<unsigned> grade_for(unsigned points, std::span<const grade_step> table);

/// The rounded mean (half up) of the points; 0 for no points.
unsigned rounded_mean(std::span<const unsigned> points) noexcept;

} // namespace portal::domain::exam
