// Minimal logging to stderr: one line per call, prefixed with the program name.
#pragma once

#include <cstdarg>

namespace fusex {

enum class LogLevel { Debug, Info, Warning, Error };

void log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void set_log_program(const char* name);

}  // namespace fusex
