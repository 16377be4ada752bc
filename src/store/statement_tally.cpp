#include "store/statement_tally.hpp"

#include <array>
#include <cctype>

namespace orderflow::store {
namespace {

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$';
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

bool EqualsUpper(std::string_view word, std::string_view upper) {
  if (word.size() != upper.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(word[i])) != upper[i]) return false;
  }
  return true;
}

template <std::size_t N>
bool IsOneOf(std::string_view word, const std::array<std::string_view, N>& words) {
  for (std::string_view w : words) {
    if (EqualsUpper(word, w)) return true;
  }
  return false;
}

constexpr std::array<std::string_view, 7> kTxWords = {"BEGIN",     "COMMIT",  "END",  "ROLLBACK",
                                                      "SAVEPOINT", "RELEASE", "START"};
constexpr std::array<std::string_view, 6> kWriteWords = {"INSERT",  "UPDATE", "DELETE",
                                                         "REPLACE", "MERGE",  "UPSERT"};
constexpr std::array<std::string_view, 5> kReadWords = {"SELECT", "VALUES", "TABLE", "SHOW",
                                                        "EXPLAIN"};

// Length of the comment starting at sql[i], 0 when none starts there.
std::size_t SkipComment(std::string_view sql, std::size_t i) {
  if (sql.compare(i, 2, "--") == 0) {
    std::size_t end = sql.find('\n', i);
    return (end == std::string_view::npos ? sql.size() : end + 1) - i;
  }
  if (sql.compare(i, 2, "/*") == 0) {
    std::size_t end = sql.find("*/", i + 2);
    return (end == std::string_view::npos ? sql.size() : end + 2) - i;
  }
  return 0;
}

}  // namespace

namespace detail {

std::size_t SkipQuoted(std::string_view script, std::size_t i) {
  if (std::size_t comment = SkipComment(script, i); comment > 0) return comment;
  const char c = script[i];
  if (c == '\'' || c == '"') {
    // A doubled quote inside is an escaped one: the scan simply resumes.
    std::size_t end = script.find(c, i + 1);
    return (end == std::string_view::npos ? script.size() : end + 1) - i;
  }
  if (c == '$' && (i == 0 || !IsWordChar(script[i - 1]))) {
    std::size_t close = script.find('$', i + 1);
    if (close == std::string_view::npos) return 0;
    std::string_view tag = script.substr(i, close - i + 1);
    for (char t : tag.substr(1, tag.size() - 2)) {
      if (!IsWordChar(t) || t == '$') return 0;  // $1 style parameter or not a tag
    }
    if (tag.size() > 2 && std::isdigit(static_cast<unsigned char>(tag[1])) != 0) return 0;
    std::size_t end = script.find(tag, close + 1);
    return (end == std::string_view::npos ? script.size() : end + tag.size()) - i;
  }
  return 0;
}

std::string_view LeadingKeyword(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size()) {
    if (IsBlank(sql[i]) || sql[i] == '(') {
      ++i;
    } else if (std::size_t comment = SkipComment(sql, i); comment > 0) {
      i += comment;
    } else {
      break;
    }
  }
  std::size_t end = i;
  while (end < sql.size() && std::isalpha(static_cast<unsigned char>(sql[end])) != 0) ++end;
  return sql.substr(i, end - i);
}

}  // namespace detail

StatementKind ClassifySql(std::string_view sql) {
  const std::string_view first = detail::LeadingKeyword(sql);
  if (IsOneOf(first, kTxWords)) return StatementKind::kTxControl;
  if (IsOneOf(first, kWriteWords)) return StatementKind::kWrite;
  if (IsOneOf(first, kReadWords)) return StatementKind::kRead;
  if (!EqualsUpper(first, "WITH")) return StatementKind::kOther;
  // WITH …: a write when any data-modifying keyword appears outside quotes
  // (in a CTE or the main statement), a read otherwise.
  std::size_t i = 0;
  while (i < sql.size()) {
    if (std::size_t skip = detail::SkipQuoted(sql, i); skip > 0) {
      i += skip;
      continue;
    }
    if (!IsWordChar(sql[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < sql.size() && IsWordChar(sql[end])) ++end;
    if (IsOneOf(sql.substr(i, end - i), kWriteWords)) return StatementKind::kWrite;
    i = end;
  }
  return StatementKind::kRead;
}

}  // namespace orderflow::store
