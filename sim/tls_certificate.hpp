// Self-signed TLS certificates for the simulator and for tests that talk HTTPS on loopback.
#pragma once

#include <autotask_sync/core/result.hpp>

#include <string>
#include <vector>

namespace autotask_sim {

struct CertificatePair {
  std::string certificate_pem;
  std::string private_key_pem;  // PKCS#8, unencrypted
};

// A self-signed certificate (EC P-256 key, SHA-256) with the given DNS names and IP addresses as
// subjectAltNames, valid from one day ago for 30 days, basicConstraints CA:TRUE so that it can be
// its own trust anchor in a CA file. The subject's common name is the first DNS name (or the first
// address). Fails with kInvalidArgument for an empty name, an address that is not IPv4 or IPv6, or
// no name at all; with kInternal when OpenSSL fails.
autotask_sync::Result<CertificatePair> make_self_signed_certificate(
    const std::vector<std::string>& dns_names = {"localhost"},
    const std::vector<std::string>& ip_addresses = {"127.0.0.1", "::1"});

}  // namespace autotask_sim
