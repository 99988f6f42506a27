#include "exam/grade.hpp"

#include <algorithm>

namespace portal::domain::exam {

std::vector<grade_step>
default_grade_table()
{
    return { { 92, 1 }, { 81, 2 }, { 67, 3 }, { 50, 4 }, { 30, 5 }, { 0, 6 } };
}

bool
valid_grade_table(std::span<const grade_step> table) noexcept
{
    if (table.empty()) {
        return false;
    }
    bool has_zero = false;
    for (std::size_t i = 0; i < table.size(); ++i) {
        const auto& step = table[i];
        if (step.min_points > 100 || step.grade < 1 || step.grade > 6) {
            return false;
        }
        has_zero = has_zero || step.min_points == 0;
        for (std::size_t k = i + 1; k < table.size(); ++k) {
            if (table[k].min_points == step.min_points) {
                return false;
            }
        }
    }
    return has_zero;
}

std::optional<unsigned>
grade_for(unsigned points, std::span<const grade_step> table)
{
    if (table.empty()) {
        auto fallback = default_grade_table();
        return grade_for(points, fallback);
    }
    if (points > 100 || !valid_grade_table(table)) {
        return std::nullopt;
    }
    const grade_step* best = nullptr;
    for (const auto& step : table) {
        if (step.min_points <= points && (best == nullptr || step.min_points > best->min_points)) {
            best = &step;
        }
    }
    return best->grade;
}

unsigned
rounded_mean(std::span<const unsigned> points) noexcept
{
    if (points.empty()) {
        return 0;
    }
    unsigned long sum = 0;
    for (auto p : points) {
        sum += p;
    }
    auto n = static_cast<unsigned long>(points.size());
    return static_cast<unsigned>((2 * sum + n) / (2 * n));
}

} // namespace portal::domain::exam
