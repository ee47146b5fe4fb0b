// Host names from the hosts file, without the resolver.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "http/hosts.hpp"

namespace lambda::http {
namespace {

class hosts_file {
 public:
  explicit hosts_file(const std::string& text) {
    char name[] = "/tmp/lambda-hosts-XXXXXX";
    int fd = mkstemp(name);
    path_ = name;
    std::ofstream(path_) << text;
    close(fd);
  }
  ~hosts_file() { unlink(path_.c_str()); }
  const char* path() const { return path_.c_str(); }

 private:
  std::string path_;
};

std::string text_of(const host_address& a) {
  char text[INET6_ADDRSTRLEN] = {};
  if (a.address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(a.address);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(v4.sin_port));
  }
  const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a.address);
  inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
  return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6.sin6_port));
}

std::vector<std::string> resolve(std::string_view name, const hosts_file& file) {
  std::vector<std::string> texts;
  for (const auto& a : resolve_host(name, 9001, file.path())) texts.push_back(text_of(a));
  return texts;
}

using texts = std::vector<std::string>;

TEST(http_hosts, finds_every_address_of_a_name_in_file_order) {
  hosts_file file("127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n10.1.2.3  runtime.local api  # ours\n");
  EXPECT_EQ(resolve("localhost", file), (texts{"127.0.0.1:9001", "[::1]:9001"}));
  EXPECT_EQ(resolve("api", file), (texts{"10.1.2.3:9001"}));
  EXPECT_EQ(resolve("RUNTIME.local", file), (texts{"10.1.2.3:9001"})) << "names compare case-insensitively";
  EXPECT_EQ(resolve("ip6-localhost", file), (texts{"[::1]:9001"}));
}

TEST(http_hosts, skips_comments_junk_and_carriage_returns) {
  hosts_file file("# 10.0.0.1 commented\r\nnot-an-address name\r\n   \r\n10.0.0.2 name\r\n10.0.0.3 other#name\r\n");
  EXPECT_EQ(resolve("name", file), (texts{"10.0.0.2:9001"}));
  EXPECT_EQ(resolve("commented", file), texts{});
  EXPECT_EQ(resolve("other", file), (texts{"10.0.0.3:9001"}));
}

TEST(http_hosts, unknown_names_resolve_to_nothing) {
  hosts_file file("127.0.0.1 localhost\n");
  EXPECT_EQ(resolve("example.com", file), texts{});
  EXPECT_EQ(resolve("", file), texts{});
}

TEST(http_hosts, localhost_is_loopback_even_without_the_file) {
  hosts_file empty("");
  EXPECT_EQ(resolve("localhost", empty), (texts{"127.0.0.1:9001"}));
  EXPECT_EQ(resolve_host("LocalHost", 80, "/nonexistent/hosts").size(), 1u);
  EXPECT_TRUE(resolve_host("elsewhere", 80, "/nonexistent/hosts").empty());
}

TEST(http_hosts, a_file_without_a_final_newline_is_read_whole) {
  hosts_file file("10.9.8.7 last");
  EXPECT_EQ(resolve("last", file), (texts{"10.9.8.7:9001"}));
}

}  // namespace
}  // namespace lambda::http
