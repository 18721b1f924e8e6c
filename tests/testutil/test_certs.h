#pragma once
// In-memory X.509 test PKI (GnuTLS x509 API, ECDSA P-256 keys, generated in a few ms) written as
// PEM files into a temporary directory that the TestCerts object owns and removes.
//
//   auto certs = TestCerts::Create();           // aborts the test binary if generation fails
//   config.certificate_file = certs->server().cert;
//
// The standard set:
//   ca            "CN=Sekisho Test CA,O=Sekisho Test"
//     server           DNS gw.sekisho.test + IP 198.18.0.1, valid now
//     expired_server   same names, expired yesterday
//     wrong_host_server  DNS other.example only
//   self_signed_server DNS gw.sekisho.test + IP 198.18.0.1, its own issuer
//   client_ca_a   "CN=Sekisho Client CA A,O=Sekisho Test"
//     client_a     CN=Alice Example, UID=alice, OU=engineering (also as client_a.p12)
//   client_ca_b   "CN=Sekisho Client CA B,O=Sekisho Test"
//     client_b     CN=Bob Example, UID=bob, OU=sales
//   client_root_c "CN=Sekisho Client Root C,O=Sekisho Test"
//     client_intermediate_c "CN=Sekisho Client Intermediate C,O=Sekisho Test"
//       client_c   CN=Carol Example, UID=carol, OU=engineering; its .cert file holds the leaf
//                  then the intermediate (also as client_c.p12, with the intermediate)
//
// Validity uses the wall clock because GnuTLS verifies against it.

#include <memory>
#include <string>
#include <vector>

namespace sekisho::testutil {

struct CertKeyFiles {
  std::string cert;  // PEM certificate path.
  std::string key;   // PEM private key path.
};

struct ServerCertSpec {
  std::string common_name;
  std::vector<std::string> dns_names;
  std::vector<std::string> ipv4_addresses;  // dotted quads
  bool expired = false;
};

struct ClientCertSpec {
  std::string common_name;
  std::string uid;
  std::string organizational_unit;
};

class TestCerts {
 public:
  static std::unique_ptr<TestCerts> Create();
  ~TestCerts();
  TestCerts(const TestCerts&) = delete;
  TestCerts& operator=(const TestCerts&) = delete;

  const std::string& dir() const { return dir_; }

  const CertKeyFiles& ca() const { return ca_; }
  const CertKeyFiles& server() const { return server_; }
  const CertKeyFiles& expired_server() const { return expired_server_; }
  const CertKeyFiles& wrong_host_server() const { return wrong_host_server_; }
  const CertKeyFiles& self_signed_server() const { return self_signed_server_; }
  const CertKeyFiles& client_ca_a() const { return client_ca_a_; }
  const CertKeyFiles& client_ca_b() const { return client_ca_b_; }
  const CertKeyFiles& client_a() const { return client_a_; }
  const CertKeyFiles& client_b() const { return client_b_; }
  const std::string& client_a_p12() const { return client_a_p12_; }
  const CertKeyFiles& client_root_c() const { return client_root_c_; }
  const CertKeyFiles& client_intermediate_c() const { return client_intermediate_c_; }
  const CertKeyFiles& client_c() const { return client_c_; }
  const std::string& client_c_p12() const { return client_c_p12_; }
  static constexpr const char* kP12Password = "sekisho-test";

  // Issues one more server certificate from ca(), written as <name>.pem / <name>-key.pem.
  CertKeyFiles IssueServer(const std::string& name, const ServerCertSpec& spec);
  // Concatenates PEM files into <name>.pem (e.g. two CAs in one trust file).
  std::string Concatenate(const std::string& name, const std::vector<std::string>& files);

  struct Impl;

 private:
  TestCerts() = default;
  std::string dir_;
  std::unique_ptr<Impl> impl_;
  CertKeyFiles ca_, server_, expired_server_, wrong_host_server_, self_signed_server_;
  CertKeyFiles client_ca_a_, client_ca_b_, client_a_, client_b_;
  std::string client_a_p12_;
  CertKeyFiles client_root_c_, client_intermediate_c_, client_c_;
  std::string client_c_p12_;
};

}  // namespace sekisho::testutil
