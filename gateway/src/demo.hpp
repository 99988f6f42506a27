#pragma once

/// `portal demo`: realistic German demo data through the application layer.

#include "app/app.hpp"

#include <iosfwd>
#include <string>

namespace portal::cli {

/// How much demo to seed.
struct demo_options
{
    /// Weeks of training records per trainee (up to the contract's start).
    int weeks = 52;
    /// The data directory's key: invitation tokens and PINs are derived
    /// from it and the command ids (as the process managers do).
    std::string key;
};

/// Seeds one chamber, three companies (a central office with a branch, and
/// one more), trainers, ten trainees in three occupations with weekly
/// records in every state, exams with results; prints the demo logins to
/// `out`. Returns 0, or 1 after printing the failing command to `err`.
int run_demo(const app::services& services,
             const demo_options& options,
             std::ostream& out,
             std::ostream& err);

} // namespace portal::cli
