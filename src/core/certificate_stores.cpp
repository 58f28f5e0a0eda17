// SPDX-License-Identifier: Apache-2.0 OR MIT
// The ready-made certificate stores and the responder that carries their answers.

#include <sanstls/certificate_stores.hpp>

#include "core/session_core.hpp"
#include "x509/server_name.hpp"

namespace sanstls {

namespace {
Result<void> answer(const std::weak_ptr<core::SessionCore>& session, core::CertificateAnswer a) {
  auto core = session.lock();
  if (!core) {
    return fail(Errc::closed, "the session this certificate was chosen for no longer exists");
  }
  return core->answer_certificate(std::move(a));
}
}  // namespace

Result<void> CertificateResponder::provide(CertificateChain chain) const {
  return answer(session_, core::CertificateAnswer{.kind = core::CertificateAnswer::Kind::provided,
                                                  .chain = std::move(chain)});
}

Result<void> CertificateResponder::decline() const {
  return answer(session_, core::CertificateAnswer{.kind = core::CertificateAnswer::Kind::declined,
                                                  .chain = std::nullopt});
}

void ServerCertificateChain::select(const ServerCertificateQuery& /*query*/,
                                    CertificateResponder responder) {
  (void)responder.provide(chain_);
}

SNIServerCertificates::SNIServerCertificates(std::vector<CertificateChain> chains,
                                             std::optional<CertificateChain> default_chain)
    : chains_(std::move(chains)), default_chain_(std::move(default_chain)) {}

const CertificateChain* SNIServerCertificates::find(std::string_view server_name) const {
  if (!server_name.empty()) {
    // Exact names win over wildcards, whatever the order of the chains.
    for (const auto& chain : chains_) {
      for (const auto& name : chain.leaf().dns_names()) {
        if (!name.starts_with("*.") && x509::dns_pattern_matches(name, server_name)) {
          return &chain;
        }
      }
    }
    for (const auto& chain : chains_) {
      for (const auto& name : chain.leaf().dns_names()) {
        if (name.starts_with("*.") && x509::dns_pattern_matches(name, server_name)) {
          return &chain;
        }
      }
    }
  }
  return default_chain_ ? &*default_chain_ : nullptr;
}

void SNIServerCertificates::select(const ServerCertificateQuery& query,
                                   CertificateResponder responder) {
  if (const CertificateChain* chain = find(query.server_name)) {
    (void)responder.provide(*chain);
  } else {
    (void)responder.decline();
  }
}

void ClientCertificateChain::select(const ClientCertificateQuery& /*query*/,
                                    CertificateResponder responder) {
  (void)responder.provide(chain_);
}

}  // namespace sanstls
