// Compiles a pattern the way Envoy's Google RE2 engine does and reports the outcome: the
// program size on success, or RE2's error. The only entry points of the WebAssembly module the
// regex checks load (src/model/regex/re2-engine.ts).
// Envoy 1.40 compiles safe_regex patterns as Latin-1: it refuses \x{100} as an invalid escape and
// counts `.*` as 6 instructions (UTF-8 would be 12), so the check does the same;
// reconciler/test/config/regex-envoy-agreement.test.ts compares both on a table.
#include <cstdint>
#include <string>

#include "re2/re2.h"

namespace {
std::string last_error;
}

extern "C" {

// Program size (>= 0) of `pattern`, or -1 - RE2::ErrorCode when RE2 refuses it; the message is
// then available from re2_last_error(). `max_mem` is RE2::Options::max_mem in bytes.
int re2_check(const char* pattern, int length, int max_mem) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_max_mem(max_mem);
  RE2 compiled(absl::string_view(pattern, static_cast<size_t>(length)), options);
  if (!compiled.ok()) {
    last_error = compiled.error();
    return -1 - static_cast<int>(compiled.error_code());
  }
  return compiled.ProgramSize();
}

const char* re2_last_error() { return last_error.c_str(); }

}
