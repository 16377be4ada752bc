#pragma once
// Reading back what `orderflow export --format csv` writes.

#include <cstddef>
#include <string>
#include <vector>

namespace orderflow::testing {

// The RFC 4180 fields of the record that starts at `pos` in `text` (quoted
// fields, doubled quotes, CRLF line ends); leaves `pos` at the next record.
std::vector<std::string> SplitCsvRecord(const std::string& text, std::size_t& pos);

}  // namespace orderflow::testing
