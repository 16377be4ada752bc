# Writes OUT: a C++ file defining `std::string_view FUNCTION()` in NAMESPACE
# that returns the content of SRC, so that the binary alone can serve it.
# The content goes in chunks of raw string literals: compilers need only
# accept 64 KiB per literal. SRC must be ASCII (chunks split at any byte).
file(READ ${SRC} content)
string(LENGTH "${content}" length)
set(chunks "")
set(offset 0)
while(offset LESS length)
  string(SUBSTRING "${content}" ${offset} 30000 chunk)
  string(APPEND chunks "    R\"orderflow_embed(${chunk})orderflow_embed\",\n")
  math(EXPR offset "${offset} + 30000")
endwhile()
set(body "#include <string>\n#include <string_view>\n\nnamespace ${NAMESPACE} {\n\n")
string(APPEND body "std::string_view ${FUNCTION}() {\n")
string(APPEND body "  static const std::string kContent = [] {\n")
string(APPEND body "    std::string out;\n    for (const char* chunk : {\n${chunks}         \"\"}) {\n")
string(APPEND body "      out += chunk;\n    }\n    return out;\n  }();\n  return kContent;\n}\n\n")
string(APPEND body "}  // namespace ${NAMESPACE}\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
