#include "http/endpoint.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "http/connection.hpp"
#include "http/hosts.hpp"

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

// Found by fuzzing: inet_pton stopped at the NUL, so the CR LF after it reached the Host line.
TEST(Endpoint, RejectsNulCrLfAndOtherControlBytes) {
  using namespace std::string_literals;
  for (const std::string& text : {"[::1\0\r\nX-Injected: yes\r\nY: ]:9001"s, "127.0.0.1\0junk:9001"s,
                                  "127.0.0.1:9001\0"s, "localhost\r\nX: y:9001"s, "local\thost:9001"s,
                                  "localhost\x7f:9001"s, "\n127.0.0.1:9001"s}) {
    endpoint ep;
    std::string error;
    EXPECT_FALSE(parse_endpoint(text, ep, error)) << error;
    EXPECT_NE(error.find("it has a control byte"), std::string::npos) << error;
    for (char c : error) EXPECT_FALSE(c == '\0' || c == '\r' || c == '\n') << error;
  }
}

TEST(Endpoint, AnIpAddressEndsAtItsLastByteNotAtANul) {
  using namespace std::string_literals;
  lambda::http::host_address address;
  EXPECT_TRUE(lambda::http::parse_ip_address("127.0.0.1"s, 9001, address));
  EXPECT_FALSE(lambda::http::parse_ip_address("127.0.0.1\0junk"s, 9001, address));
  EXPECT_FALSE(lambda::http::parse_ip_address("::1\0\r\nX: y"s, 9001, address));
}

TEST(Endpoint, TheRequestHeadRefusesAHostWithControlBytes) {
  using namespace std::string_literals;
  std::string head;
  const lambda::http::request get{"GET", "/next"};
  lambda::http::write_request_head(head, get, "127.0.0.1:9001");
  EXPECT_NE(head.find("\r\nHost: 127.0.0.1:9001\r\n"), std::string::npos);
  for (const std::string& authority : {"[::1\0\r\nX-Injected: yes\r\nY: ]:9001"s, "h\r\nX: y"s,
                                       "h\n"s, "h\0"s, "h 1"s, ""s}) {
    EXPECT_THROW(lambda::http::write_request_head(head, get, authority), std::invalid_argument)
        << authority.size();
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
