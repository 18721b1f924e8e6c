#include "testutil/test_certs.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs12.h>
#include <gnutls/x509.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sekisho::testutil {
namespace {

// Test helper: generation failures are fatal, with the GnuTLS text.
void Must(int rc, const char* what) {
  if (rc < 0) {
    std::fprintf(stderr, "test_certs: %s: %s\n", what, gnutls_strerror(rc));
    std::abort();
  }
}

struct Key {
  gnutls_x509_privkey_t key = nullptr;
  Key() {
    Must(gnutls_x509_privkey_init(&key), "privkey_init");
    Must(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                      GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
         "privkey_generate");
  }
  ~Key() { gnutls_x509_privkey_deinit(key); }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
};

struct Cert {
  gnutls_x509_crt_t crt = nullptr;
  Cert() { Must(gnutls_x509_crt_init(&crt), "crt_init"); }
  ~Cert() { gnutls_x509_crt_deinit(crt); }
  Cert(const Cert&) = delete;
  Cert& operator=(const Cert&) = delete;
};

std::string ExportPem(gnutls_x509_crt_t crt) {
  gnutls_datum_t d{nullptr, 0};
  Must(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d), "crt_export");
  std::string s(reinterpret_cast<const char*>(d.data), d.size);
  gnutls_free(d.data);
  return s;
}

std::string ExportPem(gnutls_x509_privkey_t key) {
  gnutls_datum_t d{nullptr, 0};
  Must(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d), "privkey_export");
  std::string s(reinterpret_cast<const char*>(d.data), d.size);
  gnutls_free(d.data);
  return s;
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out) {
    std::fprintf(stderr, "test_certs: cannot write %s\n", path.c_str());
    std::abort();
  }
}

void SetDnField(gnutls_x509_crt_t crt, const char* oid, const std::string& value) {
  if (!value.empty()) {
    Must(gnutls_x509_crt_set_dn_by_oid(crt, oid, 0, value.data(),
                                       static_cast<unsigned int>(value.size())),
         "set_dn_by_oid");
  }
}

// Fills the fields every certificate shares. `serial` keeps serials distinct per issuer.
void Prepare(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, unsigned int serial, bool expired) {
  Must(gnutls_x509_crt_set_version(crt, 3), "set_version");
  std::array<unsigned char, 4> s{0x01, static_cast<unsigned char>(serial >> 16),
                                 static_cast<unsigned char>(serial >> 8),
                                 static_cast<unsigned char>(serial)};
  Must(gnutls_x509_crt_set_serial(crt, s.data(), s.size()), "set_serial");
  const std::time_t now = std::time(nullptr);
  constexpr std::time_t kDay = 24 * 3600;
  if (expired) {
    Must(gnutls_x509_crt_set_activation_time(crt, now - 30 * kDay), "activation");
    Must(gnutls_x509_crt_set_expiration_time(crt, now - kDay), "expiration");
  } else {
    Must(gnutls_x509_crt_set_activation_time(crt, now - kDay), "activation");
    Must(gnutls_x509_crt_set_expiration_time(crt, now + 365 * kDay), "expiration");
  }
  Must(gnutls_x509_crt_set_key(crt, key), "set_key");
  std::array<unsigned char, 64> id{};
  size_t id_size = id.size();
  Must(gnutls_x509_crt_get_key_id(crt, 0, id.data(), &id_size), "get_key_id");
  Must(gnutls_x509_crt_set_subject_key_id(crt, id.data(), id_size), "set_subject_key_id");
}

void SignBy(gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key) {
  std::array<unsigned char, 64> id{};
  size_t id_size = id.size();
  Must(gnutls_x509_crt_get_subject_key_id(issuer, id.data(), &id_size, nullptr), "issuer key id");
  Must(gnutls_x509_crt_set_authority_key_id(crt, id.data(), id_size), "set_authority_key_id");
  Must(gnutls_x509_crt_sign2(crt, issuer, issuer_key, GNUTLS_DIG_SHA256, 0), "sign");
}

}  // namespace

struct TestCerts::Impl {
  unsigned int next_serial = 1;
  Key ca_key;
  Cert ca_crt;
};

namespace {

// A CA certificate: self-signed unless `issuer` (with its key) is given.
void MakeCa(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const std::string& cn,
            unsigned int serial, gnutls_x509_crt_t issuer = nullptr,
            gnutls_x509_privkey_t issuer_key = nullptr) {
  Prepare(crt, key, serial, false);
  SetDnField(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, "Sekisho Test");
  SetDnField(crt, GNUTLS_OID_X520_COMMON_NAME, cn);
  Must(gnutls_x509_crt_set_basic_constraints(crt, 1, -1), "basic_constraints");
  Must(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN),
       "key_usage");
  if (issuer != nullptr) {
    SignBy(crt, issuer, issuer_key);
  } else {
    Must(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), "self sign");
  }
}

void FillClient(gnutls_x509_crt_t crt, const ClientCertSpec& spec) {
  SetDnField(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, "Sekisho Test");
  SetDnField(crt, GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME, spec.organizational_unit);
  SetDnField(crt, GNUTLS_OID_X520_COMMON_NAME, spec.common_name);
  SetDnField(crt, GNUTLS_OID_LDAP_UID, spec.uid);
  Must(gnutls_x509_crt_set_basic_constraints(crt, 0, -1), "basic_constraints");
  Must(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE), "key_usage");
  Must(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0), "purpose");
}

void FillServer(gnutls_x509_crt_t crt, const ServerCertSpec& spec) {
  SetDnField(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, "Sekisho Test");
  SetDnField(crt, GNUTLS_OID_X520_COMMON_NAME, spec.common_name);
  Must(gnutls_x509_crt_set_basic_constraints(crt, 0, -1), "basic_constraints");
  Must(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE), "key_usage");
  Must(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0), "purpose");
  for (const std::string& dns : spec.dns_names) {
    Must(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, dns.data(),
                                              static_cast<unsigned int>(dns.size()),
                                              GNUTLS_FSAN_APPEND),
         "san dns");
  }
  for (const std::string& ip : spec.ipv4_addresses) {
    std::array<unsigned char, 4> raw{};
    unsigned int a = 0, b = 0, c = 0, d = 0;
    if (std::sscanf(ip.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d) != 4) {
      std::abort();
    }
    raw = {static_cast<unsigned char>(a), static_cast<unsigned char>(b),
           static_cast<unsigned char>(c), static_cast<unsigned char>(d)};
    Must(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, raw.data(), 4,
                                              GNUTLS_FSAN_APPEND),
         "san ip");
  }
}

std::string MakePkcs12(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char* password,
                       gnutls_x509_crt_t intermediate = nullptr) {
  std::array<unsigned char, 64> id_buf{};
  size_t id_size = id_buf.size();
  Must(gnutls_x509_crt_get_key_id(crt, 0, id_buf.data(), &id_size), "key id");
  gnutls_datum_t key_id{id_buf.data(), static_cast<unsigned int>(id_size)};

  gnutls_pkcs12_t p12 = nullptr;
  Must(gnutls_pkcs12_init(&p12), "pkcs12_init");
  gnutls_pkcs12_bag_t cert_bag = nullptr;
  Must(gnutls_pkcs12_bag_init(&cert_bag), "bag_init");
  int idx = gnutls_pkcs12_bag_set_crt(cert_bag, crt);
  Must(idx, "bag_set_crt");
  Must(gnutls_pkcs12_bag_set_key_id(cert_bag, static_cast<unsigned int>(idx), &key_id),
       "bag key id");
  if (intermediate != nullptr) {
    Must(gnutls_pkcs12_bag_set_crt(cert_bag, intermediate), "bag_set_crt intermediate");
  }
  Must(gnutls_pkcs12_bag_encrypt(cert_bag, password, GNUTLS_PKCS_PBES2_AES_256), "bag encrypt");
  Must(gnutls_pkcs12_set_bag(p12, cert_bag), "set_bag");

  gnutls_pkcs12_bag_t key_bag = nullptr;
  Must(gnutls_pkcs12_bag_init(&key_bag), "bag_init");
  idx = gnutls_pkcs12_bag_set_privkey(key_bag, key, password, GNUTLS_PKCS_PBES2_AES_256);
  Must(idx, "bag_set_privkey");
  Must(gnutls_pkcs12_bag_set_key_id(key_bag, static_cast<unsigned int>(idx), &key_id),
       "bag key id");
  Must(gnutls_pkcs12_set_bag(p12, key_bag), "set_bag");
  Must(gnutls_pkcs12_generate_mac2(p12, GNUTLS_MAC_SHA256, password), "generate_mac");

  gnutls_datum_t out{nullptr, 0};
  Must(gnutls_pkcs12_export2(p12, GNUTLS_X509_FMT_DER, &out), "pkcs12_export");
  std::string der(reinterpret_cast<const char*>(out.data), out.size);
  gnutls_free(out.data);
  gnutls_pkcs12_bag_deinit(cert_bag);
  gnutls_pkcs12_bag_deinit(key_bag);
  gnutls_pkcs12_deinit(p12);
  return der;
}

}  // namespace

std::unique_ptr<TestCerts> TestCerts::Create() {
  std::unique_ptr<TestCerts> certs(new TestCerts());
  std::string templ = (std::filesystem::temp_directory_path() / "sekisho-certs-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  certs->dir_ = templ;
  certs->impl_ = std::make_unique<Impl>();
  Impl& impl = *certs->impl_;
  const std::string& dir = certs->dir_;

  MakeCa(impl.ca_crt.crt, impl.ca_key.key, "Sekisho Test CA", impl.next_serial++);
  certs->ca_ = {dir + "/ca.pem", dir + "/ca-key.pem"};
  WriteFile(certs->ca_.cert, ExportPem(impl.ca_crt.crt));
  WriteFile(certs->ca_.key, ExportPem(impl.ca_key.key));

  ServerCertSpec server{"gw.sekisho.test", {"gw.sekisho.test"}, {"198.18.0.1"}, false};
  certs->server_ = certs->IssueServer("server", server);
  ServerCertSpec expired = server;
  expired.expired = true;
  certs->expired_server_ = certs->IssueServer("expired-server", expired);
  certs->wrong_host_server_ =
      certs->IssueServer("wrong-host-server", {"other.example", {"other.example"}, {}, false});

  {
    Key key;
    Cert crt;
    Prepare(crt.crt, key.key, 1, false);
    FillServer(crt.crt, server);
    Must(gnutls_x509_crt_sign2(crt.crt, crt.crt, key.key, GNUTLS_DIG_SHA256, 0), "self sign");
    certs->self_signed_server_ = {dir + "/self-signed.pem", dir + "/self-signed-key.pem"};
    WriteFile(certs->self_signed_server_.cert, ExportPem(crt.crt));
    WriteFile(certs->self_signed_server_.key, ExportPem(key.key));
  }

  struct ClientSet {
    const char* name;
    std::string ca_cn;
    ClientCertSpec spec;
    CertKeyFiles* ca_out;
    CertKeyFiles* client_out;
  };
  ClientSet sets[] = {
      {"a",
       "Sekisho Client CA A",
       {"Alice Example", "alice", "engineering"},
       &certs->client_ca_a_,
       &certs->client_a_},
      {"b",
       "Sekisho Client CA B",
       {"Bob Example", "bob", "sales"},
       &certs->client_ca_b_,
       &certs->client_b_},
  };
  for (ClientSet& set : sets) {
    Key ca_key;
    Cert ca_crt;
    MakeCa(ca_crt.crt, ca_key.key, set.ca_cn, impl.next_serial++);
    const std::string suffix = set.name;
    *set.ca_out = {dir + "/client-ca-" + suffix + ".pem",
                   dir + "/client-ca-" + suffix + "-key.pem"};
    WriteFile(set.ca_out->cert, ExportPem(ca_crt.crt));
    WriteFile(set.ca_out->key, ExportPem(ca_key.key));

    Key key;
    Cert crt;
    Prepare(crt.crt, key.key, impl.next_serial++, false);
    FillClient(crt.crt, set.spec);
    SignBy(crt.crt, ca_crt.crt, ca_key.key);
    *set.client_out = {dir + "/client-" + suffix + ".pem", dir + "/client-" + suffix + "-key.pem"};
    WriteFile(set.client_out->cert, ExportPem(crt.crt));
    WriteFile(set.client_out->key, ExportPem(key.key));
    if (suffix == "a") {
      certs->client_a_p12_ = dir + "/client-a.p12";
      WriteFile(certs->client_a_p12_, MakePkcs12(crt.crt, key.key, kP12Password));
    }
  }
  {
    // root C -> intermediate C -> client C: a gateway that trusts only the root.
    Key root_key, mid_key, key;
    Cert root, mid, crt;
    MakeCa(root.crt, root_key.key, "Sekisho Client Root C", impl.next_serial++);
    MakeCa(mid.crt, mid_key.key, "Sekisho Client Intermediate C", impl.next_serial++, root.crt,
           root_key.key);
    Prepare(crt.crt, key.key, impl.next_serial++, false);
    FillClient(crt.crt, {"Carol Example", "carol", "engineering"});
    SignBy(crt.crt, mid.crt, mid_key.key);
    certs->client_root_c_ = {dir + "/client-root-c.pem", dir + "/client-root-c-key.pem"};
    WriteFile(certs->client_root_c_.cert, ExportPem(root.crt));
    WriteFile(certs->client_root_c_.key, ExportPem(root_key.key));
    certs->client_intermediate_c_ = {dir + "/client-mid-c.pem", dir + "/client-mid-c-key.pem"};
    WriteFile(certs->client_intermediate_c_.cert, ExportPem(mid.crt));
    WriteFile(certs->client_intermediate_c_.key, ExportPem(mid_key.key));
    certs->client_c_ = {dir + "/client-c.pem", dir + "/client-c-key.pem"};
    WriteFile(certs->client_c_.cert, ExportPem(crt.crt) + ExportPem(mid.crt));
    WriteFile(certs->client_c_.key, ExportPem(key.key));
    certs->client_c_p12_ = dir + "/client-c.p12";
    WriteFile(certs->client_c_p12_, MakePkcs12(crt.crt, key.key, kP12Password, mid.crt));
  }
  return certs;
}

TestCerts::~TestCerts() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

CertKeyFiles TestCerts::IssueServer(const std::string& name, const ServerCertSpec& spec) {
  Key key;
  Cert crt;
  Prepare(crt.crt, key.key, impl_->next_serial++, spec.expired);
  FillServer(crt.crt, spec);
  SignBy(crt.crt, impl_->ca_crt.crt, impl_->ca_key.key);
  CertKeyFiles files{dir_ + "/" + name + ".pem", dir_ + "/" + name + "-key.pem"};
  WriteFile(files.cert, ExportPem(crt.crt));
  WriteFile(files.key, ExportPem(key.key));
  return files;
}

std::string TestCerts::Concatenate(const std::string& name, const std::vector<std::string>& files) {
  std::ostringstream all;
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    all << in.rdbuf();
  }
  std::string path = dir_ + "/" + name + ".pem";
  WriteFile(path, all.str());
  return path;
}

}  // namespace sekisho::testutil
