// SPDX-License-Identifier: Apache-2.0 OR MIT
#include "support/session_pair.hpp"

#include <algorithm>

namespace sanstls::test {

std::string Endpoint::received_text() const {
  return {reinterpret_cast<const char*>(received.data()), received.size()};
}

SessionCallbacks Endpoint::callbacks(
    std::function<Result<void>(std::span<const Certificate>, const SessionInfo&)> verify) {
  SessionCallbacks callbacks;
  callbacks.write = [this](std::span<const std::byte> bytes) {
    ++write_calls;
    outbox.insert(outbox.end(), bytes.begin(), bytes.end());
  };
  callbacks.close = [this](CloseMode mode) { closes.push_back(mode); };
  callbacks.verify = std::move(verify);
  return callbacks;
}

SessionPair::SessionPair(const ClientTLS& client_tls, const ServerTLS& server_tls,
                         SessionCallbacks client_callbacks, SessionCallbacks server_callbacks,
                         std::span<const std::byte> client_early_data)
    : client_(std::make_unique<Endpoint>()), server_(std::make_unique<Endpoint>()) {
  auto fill = [](Endpoint& endpoint, SessionCallbacks& given) {
    SessionCallbacks own = endpoint.callbacks(std::move(given.verify));
    if (given.write) {
      own.write = std::move(given.write);
    }
    if (given.close) {
      own.close = std::move(given.close);
    }
    own.early_data = std::move(given.early_data);
    return own;
  };
  auto server = server_tls.start(fill(*server_, server_callbacks));
  if (!server) {
    start_error = server.error();
    return;
  }
  server_->session.emplace(std::move(*server));
  auto client = client_early_data.empty()
                    ? client_tls.start(fill(*client_, client_callbacks))
                    : client_tls.start(fill(*client_, client_callbacks), client_early_data);
  if (!client) {
    start_error = client.error();
    return;
  }
  client_->session.emplace(std::move(*client));
}

SessionPair::~SessionPair() = default;

bool SessionPair::deliver(Endpoint& from, Endpoint& to, const Chunker& chunker) {
  if (from.outbox.empty() || !to.session || to.error) {
    return false;
  }
  std::vector<std::byte> waiting;
  waiting.swap(from.outbox);
  std::size_t offset = 0;
  while (offset < waiting.size()) {
    std::size_t n = chunker ? chunker(waiting.size() - offset) : 0;
    if (n == 0 || n > waiting.size() - offset) {
      n = waiting.size() - offset;
    }
    auto received = to.session->receive_data(std::span<const std::byte>{waiting}.subspan(offset, n),
                                             to.received);
    offset += n;
    if (!received) {
      to.error = received.error();
      break;
    }
  }
  return true;
}

void SessionPair::pump(const Chunker& chunker) {
  if (start_error) {
    return;
  }
  for (int round = 0; round < 1000; ++round) {
    const bool moved_to_server = deliver(*client_, *server_, chunker);
    const bool moved_to_client = deliver(*server_, *client_, chunker);
    if (!moved_to_server && !moved_to_client) {
      return;
    }
  }
}

bool SessionPair::handshake(const Chunker& chunker) {
  pump(chunker);
  // handshake_complete(), not established(): a side whose peer's close_notify came with the
  // last flight completed its handshake too. A side that failed since does not count.
  const auto done = [](const Endpoint& endpoint) {
    return endpoint.session && endpoint.session->handshake_complete() &&
           endpoint.session->state() != SessionState::invalidated;
  };
  return !start_error && done(*client_) && done(*server_);
}

const Error* SessionPair::first_error() const {
  if (start_error) {
    return &*start_error;
  }
  if (client_->error) {
    return &*client_->error;
  }
  if (server_->error) {
    return &*server_->error;
  }
  return nullptr;
}

Clock shifted_clock(std::chrono::system_clock::duration offset) {
  return [offset] { return std::chrono::system_clock::now() + offset; };
}

std::vector<std::byte> to_bytes(std::string_view text) {
  const auto bytes = std::as_bytes(std::span{text.data(), text.size()});
  return {bytes.begin(), bytes.end()};
}

}  // namespace sanstls::test
