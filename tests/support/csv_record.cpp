#include "support/csv_record.hpp"

namespace orderflow::testing {

std::vector<std::string> SplitCsvRecord(const std::string& text, std::size_t& pos) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (quoted) {
      if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') {
        fields.back() += '"';
        ++pos;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') {
      pos += 2;
      return fields;
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

}  // namespace orderflow::testing
