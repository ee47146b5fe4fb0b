#include "http/endpoint.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

namespace {

using lambda::http::endpoint;
using lambda::http::parse_endpoint;

std::string address_text(const endpoint& ep) {
  char text[INET6_ADDRSTRLEN] = {};
  if (ep.address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ep.address)->sin_addr, text,
              sizeof text);
  } else if (ep.address.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ep.address)->sin6_addr, text,
              sizeof text);
  }
  return text;
}

TEST(Endpoint, Ipv4IsNumeric) {
  endpoint ep;
  std::string error;
  ASSERT_TRUE(parse_endpoint("127.0.0.1:9001", ep, error)) << error;
  EXPECT_EQ(ep.host, "127.0.0.1");
  EXPECT_EQ(ep.port, 9001);
  EXPECT_EQ(ep.authority, "127.0.0.1:9001");
  ASSERT_EQ(ep.address_size, sizeof(sockaddr_in));
  EXPECT_EQ(address_text(ep), "127.0.0.1");
  EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in*>(&ep.address)->sin_port), 9001);
}

TEST(Endpoint, BracketedIpv6IsNumeric) {
  endpoint ep;
  std::string error;
  ASSERT_TRUE(parse_endpoint("[::1]:65535", ep, error)) << error;
  EXPECT_EQ(ep.host, "::1");
  EXPECT_EQ(ep.port, 65535);
  EXPECT_EQ(ep.authority, "[::1]:65535");
  ASSERT_EQ(ep.address_size, sizeof(sockaddr_in6));
  EXPECT_EQ(address_text(ep), "::1");
  EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in6*>(&ep.address)->sin6_port), 65535);
}

TEST(Endpoint, NamesAreLeftToTheResolver) {
  endpoint ep;
  std::string error;
  ASSERT_TRUE(parse_endpoint("localhost:1", ep, error)) << error;
  EXPECT_EQ(ep.host, "localhost");
  EXPECT_EQ(ep.port, 1);
  EXPECT_EQ(ep.address_size, 0u);
  ASSERT_TRUE(parse_endpoint("runtime-api.internal-1.example:9001", ep, error)) << error;
  EXPECT_EQ(ep.address_size, 0u);
}

TEST(Endpoint, RejectsMalformedText) {
  const struct {
    const char* text;
    const char* says;
  } cases[] = {
      {"", "it is empty"},
      {"127.0.0.1", "the port is missing"},
      {"localhost", "the port is missing"},
      {"127.0.0.1:", "the port must be a number from 1 to 65535"},
      {"127.0.0.1:0", "the port must be a number from 1 to 65535"},
      {"127.0.0.1:65536", "the port must be a number from 1 to 65535"},
      {"127.0.0.1:123456", "the port must be a number from 1 to 65535"},
      {"127.0.0.1:-1", "the port must be a number from 1 to 65535"},
      {"127.0.0.1:+80", "the port must be a number from 1 to 65535"},
      {"127.0.0.1:90 01", "the port must be a number from 1 to 65535"},
      {":9001", "the host is missing"},
      {"[]:9001", "the host is missing"},
      {"::1:9001", "an IPv6 address must be written in brackets"},
      {"[127.0.0.1]:9001", "the text in brackets is not an IPv6 address"},
      {"[localhost]:9001", "the text in brackets is not an IPv6 address"},
      {"[::1:9001", "the host is neither an IP address nor a host name"},
      {"http://127.0.0.1:9001", "the host is neither an IP address nor a host name"},
      {"999.0.0.1:9001", "the host is neither an IP address nor a host name"},
      {"127.1:9001", "the host is neither an IP address nor a host name"},
      {"host name:9001", "the host is neither an IP address nor a host name"},
      {"-host:9001", "the host is neither an IP address nor a host name"},
      {"host-:9001", "the host is neither an IP address nor a host name"},
      {"a..b:9001", "the host is neither an IP address nor a host name"},
      {"junk!:9001", "the host is neither an IP address nor a host name"},
  };
  for (const auto& c : cases) {
    endpoint ep;
    std::string error;
    EXPECT_FALSE(parse_endpoint(c.text, ep, error)) << c.text;
    EXPECT_NE(error.find(c.says), std::string::npos) << c.text << " → " << error;
    EXPECT_NE(error.find(std::string("\"") + c.text + "\""), std::string::npos) << error;
  }
}

TEST(Endpoint, FailureLeavesTheOutputAlone) {
  endpoint ep;
  std::string error;
  ASSERT_TRUE(parse_endpoint("127.0.0.1:9001", ep, error));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:0", ep, error));
  EXPECT_EQ(ep.port, 9001);
}

}  // namespace
