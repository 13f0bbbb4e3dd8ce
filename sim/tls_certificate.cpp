#include "tls_certificate.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <utility>

namespace autotask_sim {

namespace {

using autotask_sync::Error;
using autotask_sync::ErrorCode;
using autotask_sync::Result;

constexpr long kSecondsPerDay = 24L * 60 * 60;
constexpr int kValidityDays = 30;

struct Free {
  void operator()(EVP_PKEY* key) const { ::EVP_PKEY_free(key); }
  void operator()(X509* certificate) const { ::X509_free(certificate); }
  void operator()(X509_EXTENSION* extension) const { ::X509_EXTENSION_free(extension); }
  void operator()(GENERAL_NAMES* names) const { ::GENERAL_NAMES_free(names); }
  void operator()(GENERAL_NAME* name) const { ::GENERAL_NAME_free(name); }
  void operator()(ASN1_OCTET_STRING* octets) const { ::ASN1_OCTET_STRING_free(octets); }
  void operator()(BIGNUM* number) const { ::BN_free(number); }
  void operator()(BIO* bio) const { ::BIO_free(bio); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

// OpenSSL keeps failure reasons on a per-thread queue; take the most recent one and clear the
// rest so that a later, unrelated failure does not report them.
Error openssl_error(const std::string& what) {
  std::string message = what;
  const unsigned long code = ::ERR_peek_last_error();
  if (code != 0) {
    char reason[256];
    ::ERR_error_string_n(code, reason, sizeof reason);
    message += ": ";
    message += reason;
  }
  ::ERR_clear_error();
  return Error(ErrorCode::kInternal, std::move(message));
}

template <class Write>
Result<std::string> to_pem(Write&& write) {
  Owned<BIO> bio(::BIO_new(::BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return openssl_error("could not encode PEM");
  char* data = nullptr;
  const long size = ::BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Result<void> add_extension(X509* certificate, X509V3_CTX& context, int nid, const char* value) {
  Owned<X509_EXTENSION> extension(::X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (!extension || ::X509_add_ext(certificate, extension.get(), -1) != 1) {
    return openssl_error(std::string("could not add the ") + ::OBJ_nid2sn(nid) + " extension");
  }
  return {};
}

// The subjectAltNames are built as GENERAL_NAMEs rather than a "DNS:a,IP:b" configuration string,
// so that a name containing a comma or a colon cannot turn into another entry.
Result<void> add_subject_alt_names(X509* certificate, const std::vector<std::string>& dns_names,
                                   const std::vector<std::string>& ip_addresses) {
  Owned<GENERAL_NAMES> names(::GENERAL_NAMES_new());
  if (!names) return openssl_error("could not allocate subjectAltName");
  for (const auto& dns_name : dns_names) {
    Owned<GENERAL_NAME> name(::GENERAL_NAME_new());
    ASN1_IA5STRING* text = ::ASN1_IA5STRING_new();
    if (!name || text == nullptr ||
        ::ASN1_STRING_set(text, dns_name.data(), static_cast<int>(dns_name.size())) != 1) {
      ::ASN1_IA5STRING_free(text);
      return openssl_error("could not encode the DNS name " + dns_name);
    }
    ::GENERAL_NAME_set0_value(name.get(), GEN_DNS, text);
    if (::sk_GENERAL_NAME_push(names.get(), name.get()) == 0) {
      return openssl_error("could not add the DNS name " + dns_name);
    }
    static_cast<void>(name.release());  // the stack owns it now
  }
  for (const auto& address : ip_addresses) {
    Owned<ASN1_OCTET_STRING> octets(::a2i_IPADDRESS(address.c_str()));
    if (!octets) {
      ::ERR_clear_error();
      return Error(ErrorCode::kInvalidArgument, "not an IP address: " + address);
    }
    Owned<GENERAL_NAME> name(::GENERAL_NAME_new());
    if (!name) return openssl_error("could not allocate an IP address name");
    ::GENERAL_NAME_set0_value(name.get(), GEN_IPADD, octets.release());
    if (::sk_GENERAL_NAME_push(names.get(), name.get()) == 0) {
      return openssl_error("could not add the IP address " + address);
    }
    static_cast<void>(name.release());  // the stack owns it now
  }
  if (::X509_add1_ext_i2d(certificate, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    return openssl_error("could not add the subjectAltName extension");
  }
  return {};
}

}  // namespace

Result<CertificatePair> make_self_signed_certificate(const std::vector<std::string>& dns_names,
                                                     const std::vector<std::string>& ip_addresses) {
  if (dns_names.empty() && ip_addresses.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a certificate needs at least one DNS name or IP address");
  }
  for (const auto& dns_name : dns_names) {
    if (dns_name.empty()) return Error(ErrorCode::kInvalidArgument, "empty DNS name");
  }

  Owned<EVP_PKEY> key(::EVP_EC_gen("P-256"));
  if (!key) return openssl_error("could not generate a P-256 key");

  Owned<X509> certificate(::X509_new());
  if (!certificate || ::X509_set_version(certificate.get(), X509_VERSION_3) != 1) {
    return openssl_error("could not create a certificate");
  }

  // A random 64-bit serial: clients cache certificates by issuer and serial, and every run of the
  // simulator makes a new one under the same name.
  Owned<BIGNUM> serial(::BN_new());
  if (!serial || ::BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      ::BN_to_ASN1_INTEGER(serial.get(), ::X509_get_serialNumber(certificate.get())) == nullptr) {
    return openssl_error("could not set the serial number");
  }

  // Valid from a day ago so that a client whose clock is slightly behind still accepts it.
  if (::X509_gmtime_adj(::X509_getm_notBefore(certificate.get()), -kSecondsPerDay) == nullptr ||
      ::X509_gmtime_adj(::X509_getm_notAfter(certificate.get()),
                        (kValidityDays - 1) * kSecondsPerDay) == nullptr) {
    return openssl_error("could not set the validity period");
  }

  const std::string& common_name = dns_names.empty() ? ip_addresses.front() : dns_names.front();
  X509_NAME* subject = ::X509_get_subject_name(certificate.get());
  if (::X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) != 1 ||
      ::X509_set_issuer_name(certificate.get(), subject) != 1 ||
      ::X509_set_pubkey(certificate.get(), key.get()) != 1) {
    return openssl_error("could not set the subject");
  }

  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  ::X509V3_set_ctx(&context, certificate.get(), certificate.get(), nullptr, nullptr, 0);
  for (auto [nid, value] :
       {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
        std::pair{NID_key_usage, "critical,digitalSignature,keyCertSign"},
        std::pair{NID_ext_key_usage, "serverAuth"}, std::pair{NID_subject_key_identifier, "hash"},
        std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    if (auto added = add_extension(certificate.get(), context, nid, value); !added) {
      return std::move(added).error();
    }
  }
  if (auto added = add_subject_alt_names(certificate.get(), dns_names, ip_addresses); !added) {
    return std::move(added).error();
  }

  if (::X509_sign(certificate.get(), key.get(), ::EVP_sha256()) == 0) {
    return openssl_error("could not sign the certificate");
  }

  auto certificate_pem =
      to_pem([&](BIO* bio) { return ::PEM_write_bio_X509(bio, certificate.get()); });
  if (!certificate_pem) return std::move(certificate_pem).error();
  auto key_pem = to_pem([&](BIO* bio) {
    return ::PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (!key_pem) return std::move(key_pem).error();
  return CertificatePair{std::move(certificate_pem).value(), std::move(key_pem).value()};
}

}  // namespace autotask_sim
