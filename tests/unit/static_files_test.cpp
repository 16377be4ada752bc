// ServeStatic without a server: files, content types, the page fallback,
// and everything that must answer 404 (traversal, dotfiles, symlinks out).

#include "http/static_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/temp_dir.hpp"

namespace orderflow::http {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  StaticFilesTest() {
    WriteFile(www() / "index.html", "<html>home</html>");
    WriteFile(www() / "app.js", "console.log(1);");
    WriteFile(www() / "css" / "site.css", "body{}");
    WriteFile(www() / "docs" / "index.html", "<html>docs</html>");
    WriteFile(www() / ".env", "SECRET=1");
    WriteFile(www() / ".git" / "config", "[core] secret");
    WriteFile(www() / "a" / ".hidden", "secret");
    WriteFile(fs::path(dir_.path()) / "outside.txt", "secret");
    root_ = CanonicalStaticRoot(www().string());
  }

  fs::path www() const { return fs::path(dir_.path()) / "www"; }

  Response Get(const std::string& path) {
    Request request;
    request.method = "GET";
    request.path = path;
    return ServeStatic(root_, request);
  }

  orderflow::testing::TempDir dir_;
  fs::path root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirTypesAndCaching) {
  Response index = Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<html>home</html>");
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  ASSERT_EQ(index.headers.size(), 1u);
  EXPECT_EQ(index.headers[0].second, "no-cache");

  Response script = Get("/app.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(script.headers[0].second, "public, max-age=300");

  EXPECT_EQ(Get("/css/site.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Get("/docs/").body, "<html>docs</html>");
  EXPECT_EQ(Get("/docs").body, "<html>docs</html>");
  EXPECT_EQ(Get("//app.js").body, "console.log(1);");
}

TEST_F(StaticFilesTest, PageRoutesFallBackToTheIndexButAssetsDoNot) {
  EXPECT_EQ(Get("/orders/123").body, "<html>home</html>");
  EXPECT_EQ(Get("/missing.js").status, 404);
}

TEST_F(StaticFilesTest, DotfilesAnswer404) {
  for (const char* path : {"/.env", "/.git/config", "/.git/", "/.git", "/a/.hidden", "/./app.js",
                           "/a/./.hidden", "/.", "/a/."}) {
    Response response = Get(path);
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(response.body.find("SECRET"), std::string::npos) << path;
  }
}

TEST_F(StaticFilesTest, TraversalAndOddCharactersAnswer404) {
  for (const std::string& path :
       {std::string("/../outside.txt"), std::string("/a/../../outside.txt"),
        std::string("/..\\outside.txt"), std::string("/a\0.js", 6), std::string("app.js"),
        std::string("")}) {
    EXPECT_EQ(Get(path).status, 404) << path;
  }
}

TEST_F(StaticFilesTest, SymlinksOutOfTheRootOrToDotfilesAnswer404) {
  std::error_code ec;
  fs::create_symlink(fs::path(dir_.path()) / "outside.txt", www() / "out.txt", ec);
  ASSERT_FALSE(ec) << ec.message();
  fs::create_symlink(www() / ".env", www() / "env.txt", ec);
  ASSERT_FALSE(ec) << ec.message();
  fs::create_symlink(www() / ".git", www() / "git", ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(Get("/out.txt").status, 404);
  EXPECT_EQ(Get("/env.txt").status, 404);
  EXPECT_EQ(Get("/git/config").status, 404);
}

TEST(ContentTypeTest, ByExtensionInAnyCase) {
  EXPECT_EQ(ContentTypeFor("a/b.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("x.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("x.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("x.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor("x.map"), "application/json");
  EXPECT_EQ(ContentTypeFor("x"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("x.exe"), "application/octet-stream");
}

TEST(CanonicalStaticRootTest, EmptyMeansOffAndRelativeBecomesAbsolute) {
  EXPECT_TRUE(CanonicalStaticRoot("").empty());
  EXPECT_TRUE(CanonicalStaticRoot("web").is_absolute());
}

}  // namespace
}  // namespace orderflow::http
