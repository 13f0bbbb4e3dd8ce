#include "sim/tls_certificate.hpp"

#include <doctest/doctest.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <string>
#include <vector>

using autotask_sync::ErrorCode;

namespace {

struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};

std::unique_ptr<X509, X509Free> parse_certificate(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return std::unique_ptr<X509, X509Free>(certificate);
}

}  // namespace

TEST_CASE("a self-signed certificate names its hosts and is its own CA") {
  auto pair =
      autotask_sim::make_self_signed_certificate({"localhost", "sim.test"}, {"127.0.0.1", "::1"});
  REQUIRE(pair.ok());
  CHECK(pair->certificate_pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  CHECK(pair->private_key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);

  auto certificate = parse_certificate(pair->certificate_pem);
  REQUIRE(certificate != nullptr);
  CHECK(X509_check_host(certificate.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(certificate.get(), "sim.test", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(certificate.get(), "other.test", 0, 0, nullptr) == 0);
  CHECK(X509_check_ip_asc(certificate.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_ip_asc(certificate.get(), "::1", 0) == 1);
  CHECK(X509_check_ip_asc(certificate.get(), "10.0.0.1", 0) == 0);
  CHECK(X509_check_ca(certificate.get()) == 1);
  CHECK(X509_check_issued(certificate.get(), certificate.get()) == X509_V_OK);

  EVP_PKEY* key = X509_get0_pubkey(certificate.get());
  REQUIRE(key != nullptr);
  CHECK(EVP_PKEY_is_a(key, "EC") == 1);
  CHECK(EVP_PKEY_get_bits(key) == 256);
  CHECK(X509_get_signature_nid(certificate.get()) == NID_ecdsa_with_SHA256);

  // Valid now, not valid a few days after the 30-day window would end.
  CHECK(X509_cmp_current_time(X509_get0_notBefore(certificate.get())) < 0);
  CHECK(X509_cmp_current_time(X509_get0_notAfter(certificate.get())) > 0);
  std::time_t in_31_days = std::time(nullptr) + 31L * 24 * 60 * 60;
  CHECK(X509_cmp_time(X509_get0_notAfter(certificate.get()), &in_31_days) < 0);
}

TEST_CASE("two certificates for the same names have different serial numbers") {
  auto first = autotask_sim::make_self_signed_certificate();
  auto second = autotask_sim::make_self_signed_certificate();
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  auto a = parse_certificate(first->certificate_pem);
  auto b = parse_certificate(second->certificate_pem);
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  CHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.get()), X509_get0_serialNumber(b.get())) != 0);
}

TEST_CASE("a malformed IP address or an empty name list is refused") {
  auto bad_ip = autotask_sim::make_self_signed_certificate({"localhost"}, {"127.0.0.300"});
  REQUIRE_FALSE(bad_ip.ok());
  CHECK(bad_ip.error().code == ErrorCode::kInvalidArgument);
  CHECK(bad_ip.error().message.find("127.0.0.300") != std::string::npos);

  auto nothing = autotask_sim::make_self_signed_certificate({}, {});
  REQUIRE_FALSE(nothing.ok());
  CHECK(nothing.error().code == ErrorCode::kInvalidArgument);

  auto ip_only = autotask_sim::make_self_signed_certificate({}, {"127.0.0.1"});
  REQUIRE(ip_only.ok());
}
