#include "app/csv_field.hpp"

namespace orderflow::app {

void AppendCsvField(std::string& line, std::string_view value, CsvKind kind) {
  const bool formula = kind == CsvKind::kText && !value.empty() &&
                       std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos;
  const bool quote = formula || value.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!quote) {
    line += value;
    return;
  }
  line += '"';
  if (formula) line += '\'';
  for (char c : value) {
    if (c == '"') line += '"';
    line += c;
  }
  line += '"';
}

}  // namespace orderflow::app
