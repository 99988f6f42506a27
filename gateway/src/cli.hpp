#pragma once

/// The `portal` command line: `portal <command> [options]`.

#include <iosfwd>
#include <string>
#include <vector>

namespace portal::cli {

/// Runs one command with its arguments (without the program name); returns
/// the process exit code: 0 success, 1 failure found (e.g. a broken chain),
/// 2 usage error, 3 the data directory cannot be used.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace portal::cli
