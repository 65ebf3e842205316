#include "fusex/log.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace fusex {

namespace {
const char* g_program = "fusex";
}

void set_log_program(const char* name) { g_program = name; }

void log(LogLevel level, const char* fmt, ...) {
    static const char* const kLevel[] = {"debug", "info", "warning", "error"};
    char line[2048];
    int n = snprintf(line, sizeof line, "%s: %s: ", g_program, kLevel[static_cast<int>(level)]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    size_t len = static_cast<size_t>(n) + (m < 0 ? 0 : std::min<size_t>(m, sizeof line - n - 2));
    line[len++] = '\n';
    // One write per line so lines from several threads never interleave.
    ssize_t ignored = ::write(STDERR_FILENO, line, len);
    (void)ignored;
}

}  // namespace fusex
