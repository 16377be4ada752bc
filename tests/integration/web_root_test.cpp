// The dashboard's files through the real binary (--web-root): dotfiles left
// in the web root (/.env, /.git/config) are never served, however the path
// is spelled.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::testing {
namespace {

void WriteFile(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
}

TEST(WebRootTest, DotfilesAreNeverServed) {
  TempDir dir;
  const std::string root = dir.File("www");
  WriteFile(root + "/index.html", "<html>dashboard</html>");
  WriteFile(root + "/js/app.js", "export {};");
  WriteFile(root + "/.env", "SECRET=dotenv-secret");
  WriteFile(root + "/.git/config", "[core] dotgit-secret");
  WriteFile(root + "/.git/index.html", "dotgit-secret page");
  WriteFile(root + "/js/.hidden", "hidden-secret");
  ServerProcess server({.extra_args = {"--web-root", root}});
  HttpClient client(server.port());

  HttpResult index = client.Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<html>dashboard</html>");
  EXPECT_EQ(client.Get("/js/app.js").status, 200);

  for (const char* target :
       {"/.env", "/.git/config", "/.git/", "/.git", "/js/.hidden", "/%2eenv", "/%2Egit/config",
        "/js/%2ehidden", "/./.env", "/js/../.env", "/.git/index.html", "/.env?x=1"}) {
    HttpResult result = client.Get(target);
    EXPECT_EQ(result.status, 404) << target;
    EXPECT_EQ(ErrorCodeOf(result.body), "not_found") << target << ": " << result.body;
    EXPECT_EQ(result.body.find("secret"), std::string::npos) << target << ": " << result.body;
  }
}

}  // namespace
}  // namespace orderflow::testing
