#pragma once
// One CSV field of `orderflow export` (RFC 4180), made safe to open in a
// spreadsheet: text that a spreadsheet would run as a formula is neutralised
// (OWASP "CSV Injection").

#include <string>
#include <string_view>

namespace orderflow::app {

enum class CsvKind {
  kText,    // anything a customer, a store or a carrier could have written
  kNumber,  // a number we formatted ourselves (amounts): written as is
};

// Appends `value` to `line`. A field with a comma, quote, CR or LF, or with
// edge spaces (some readers trim them), is quoted and its quotes doubled. A
// text field that starts with = + - @, a tab or a carriage return gets a
// leading single quote inside a quoted field, so that `=HYPERLINK(...)` reads
// as text; numbers are never altered, so -12.50 stays a number.
void AppendCsvField(std::string& line, std::string_view value, CsvKind kind);

}  // namespace orderflow::app
