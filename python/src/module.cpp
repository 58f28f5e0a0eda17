// SPDX-License-Identifier: Apache-2.0 OR MIT
// sanstls._sanstls: the thin C++ layer under the Python package (python/sanstls/__init__.py).
//
// Everything here returns values, never raises for TLS failures: a call that can fail returns
// (value, error) where error is None or a tuple (code, message, certificate_problem,
// credential_problem, alert_sent, alert_received). The Python layer turns errors into the
// proposal's exception taxonomy. The GIL is released while an engine works; every call back
// into Python (write, close, verify, certificate stores) takes it again, and no Python
// exception ever unwinds through C++ engine code: the Python layer's callbacks catch
// everything themselves, and the few calls made here catch error_already_set at the boundary.

#include <sanstls/sanstls.hpp>

#include <memory>
#include <optional>
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <string>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace sanstls::python {
namespace {

py::bytes to_bytes(std::span<const std::byte> data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

std::vector<std::byte> from_bytes(const py::bytes& data) {
  char* buffer = nullptr;
  Py_ssize_t length = 0;
  if (PyBytes_AsStringAndSize(data.ptr(), &buffer, &length) != 0) {
    throw py::error_already_set();
  }
  const auto* first = reinterpret_cast<const std::byte*>(buffer);
  return {first, first + length};
}

py::object error_tuple(const Error& error) {
  py::object alert_sent = py::none();
  py::object alert_received = py::none();
  if (error.alert_sent) alert_sent = py::int_(static_cast<int>(*error.alert_sent));
  if (error.alert_received) alert_received = py::int_(static_cast<int>(*error.alert_received));
  return py::make_tuple(std::string{errc_name(error.code)}, error.message,
                        std::string{certificate_problem_name(error.certificate_problem)},
                        std::string{credential_problem_name(error.credential_problem)}, alert_sent,
                        alert_received);
}

template <class T>
py::tuple result_tuple(Result<T>&& result) {
  if (!result) return py::make_tuple(py::none(), error_tuple(result.error()));
  return py::make_tuple(py::cast(std::move(*result)), py::none());
}

py::object void_result(const Result<void>& result) {
  return result ? py::none() : error_tuple(result.error());
}

/// Python objects owned by C++ (callbacks, stores): released with the GIL held, whoever drops
/// the last reference.
struct PyRef {
  explicit PyRef(py::object value) : object(std::move(value)) {}
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  ~PyRef() {
    py::gil_scoped_acquire gil;
    object = py::object();
  }
  py::object object;
};

/// Calls a Python function from C++ engine context. The Python layer's functions catch their
/// own exceptions; should one escape anyway, it stops here, reported as unraisable, and the
/// caller gets nullopt.
template <class... Args>
std::optional<py::object> call_python(const PyRef& function, const char* what, Args&&... args) {
  py::gil_scoped_acquire gil;
  try {
    return function.object(std::forward<Args>(args)...);
  } catch (py::error_already_set& error) {
    error.discard_as_unraisable(what);
    return std::nullopt;
  }
}

/// A certificate store implemented in Python: select(server_name, responder).
class PyServerStore final : public ServerCertificates {
 public:
  explicit PyServerStore(py::object select) : select_(std::make_shared<PyRef>(std::move(select))) {}
  void select(const ServerCertificateQuery& query, CertificateResponder responder) override {
    if (!call_python(*select_, "sanstls ServerCertificates", query.server_name, responder)) {
      (void)responder.decline();
    }
  }

 private:
  std::shared_ptr<PyRef> select_;
};

class PyClientStore final : public ClientCertificateStore {
 public:
  explicit PyClientStore(py::object select) : select_(std::make_shared<PyRef>(std::move(select))) {}
  void select(const ClientCertificateQuery& query, CertificateResponder responder) override {
    if (!call_python(*select_, "sanstls ClientCertificateStore", query.server_name,
                     query.acceptable_authorities, responder)) {
      (void)responder.decline();
    }
  }

 private:
  std::shared_ptr<PyRef> select_;
};

py::dict info_dict(const SessionInfo& info) {
  py::dict out;
  out["backend"] = std::string{backend_name(info.backend)};
  out["version"] =
      info.version ? py::object(py::str(std::string{version_name(*info.version)})) : py::none();
  out["cipher_suite"] =
      info.cipher_suite ? py::object(py::str(std::string{cipher_suite_name(*info.cipher_suite)}))
                        : py::none();
  out["group"] =
      info.group ? py::object(py::str(std::string{group_name(*info.group)})) : py::none();
  out["alpn"] = info.alpn;
  out["server_name"] = info.server_name;
  out["peer_certificates"] = info.peer_certificates;
  out["peer_verified"] = info.peer_verified;
  out["resumed"] = info.resumed;
  return out;
}

/// The callbacks of one session: Python functions write(bytes), close(immediate: bool),
/// verify(list[Certificate]) -> None | str (the reason to reject).
SessionCallbacks make_callbacks(py::object write, py::object close, py::object verify) {
  SessionCallbacks callbacks;
  auto write_ref = std::make_shared<PyRef>(std::move(write));
  callbacks.write = [write_ref](std::span<const std::byte> bytes) {
    py::gil_scoped_acquire gil;
    (void)call_python(*write_ref, "sanstls write callback", to_bytes(bytes));
  };
  if (!close.is_none()) {
    auto close_ref = std::make_shared<PyRef>(std::move(close));
    callbacks.close = [close_ref](CloseMode mode) {
      (void)call_python(*close_ref, "sanstls close callback", mode == CloseMode::immediate);
    };
  }
  if (!verify.is_none()) {
    auto verify_ref = std::make_shared<PyRef>(std::move(verify));
    callbacks.verify = [verify_ref](std::span<const Certificate> chain,
                                    const SessionInfo& /*info*/) -> Result<void> {
      py::gil_scoped_acquire gil;
      std::vector<Certificate> certificates(chain.begin(), chain.end());
      auto verdict = call_python(*verify_ref, "sanstls verify callback", certificates);
      if (!verdict) {
        return fail(Errc::certificate_rejected, "the verify callback failed");
      }
      if (verdict->is_none()) return {};
      return fail(Errc::certificate_rejected, py::str(*verdict).cast<std::string>());
    };
  }
  return callbacks;
}

/// A session as Python holds it. Every engine call runs with the GIL released.
class PySession {
 public:
  explicit PySession(Session session) : session_(std::move(session)) {}

  py::tuple receive_data(const py::bytes& data) {
    const std::vector<std::byte> input = from_bytes(data);
    std::vector<std::byte> output;
    Result<void> received;
    {
      py::gil_scoped_release released;
      received = session_.receive_data(input, output);
    }
    return py::make_tuple(to_bytes(output), void_result(received));
  }
  py::object receive_eof() {
    Result<void> done;
    {
      py::gil_scoped_release released;
      done = session_.receive_eof();
    }
    return void_result(done);
  }
  py::object write_data(const py::bytes& data) {
    const std::vector<std::byte> input = from_bytes(data);
    Result<void> written;
    {
      py::gil_scoped_release released;
      written = session_.write_data(input);
    }
    return void_result(written);
  }
  py::object finish() {
    Result<void> done;
    {
      py::gil_scoped_release released;
      done = session_.finish();
    }
    return void_result(done);
  }
  py::object alert(int code, std::optional<int> level) {
    if (code < 0 || code > 255 || (level && *level != 1 && *level != 2)) {
      return error_tuple(make_error(
          Errc::invalid_alert_level,
          "invalid alert level: an alert code is 0 to 255 and a level 1 (warning) or 2 (fatal)"));
    }
    std::optional<AlertLevel> chosen;
    if (level) chosen = static_cast<AlertLevel>(*level);
    Result<void> done;
    {
      py::gil_scoped_release released;
      done = session_.alert(static_cast<Alert>(code), chosen);
    }
    return void_result(done);
  }
  py::object export_keying_material(std::size_t length, const std::string& label) {
    std::vector<std::byte> out(length);
    auto done = session_.export_keying_material(out, label);
    if (!done) return py::make_tuple(py::none(), error_tuple(done.error()));
    return py::make_tuple(to_bytes(out), py::none());
  }
  py::dict info() const { return info_dict(session_.info()); }
  [[nodiscard]] bool handshake_complete() const { return session_.handshake_complete(); }
  [[nodiscard]] std::string state() const {
    return std::string{session_state_name(session_.state())};
  }
  py::object failure() const {
    const Error* error = session_.failure();
    return error ? error_tuple(*error) : py::none();
  }

 private:
  Session session_;
};

Result<Backend> backend_of(const std::string& name) { return parse_backend(name); }

}  // namespace
}  // namespace sanstls::python

PYBIND11_MODULE(_sanstls, m) {
  using namespace sanstls;
  using namespace sanstls::python;
  m.doc() = "sanstls's C++ core (use the sanstls package, not this module)";

  py::class_<Certificate>(m, "Certificate")
      .def_static(
          "from_der",
          [](const py::bytes& der) { return result_tuple(Certificate::from_der(from_bytes(der))); })
      .def_static("from_pem",
                  [](const std::string& pem) { return result_tuple(Certificate::from_pem(pem)); })
      .def_static(
          "all_from_pem",
          [](const std::string& pem) { return result_tuple(Certificate::all_from_pem(pem)); })
      .def("der", [](const Certificate& c) { return to_bytes(c.der()); })
      .def("to_pem", &Certificate::to_pem)
      .def("subject", &Certificate::subject)
      .def("issuer", &Certificate::issuer)
      .def("dns_names", &Certificate::dns_names)
      .def("is_ca", &Certificate::is_ca)
      .def("__eq__", [](const Certificate& a, const Certificate& b) { return a == b; });

  py::class_<PrivateKey>(m, "PrivateKey")
      .def_static("from_pem",
                  [](const std::string& pem) { return result_tuple(PrivateKey::from_pem(pem)); })
      .def("matches", &PrivateKey::matches);

  py::class_<CertificateChain>(m, "CertificateChain")
      .def_static(
          "create",
          [](std::vector<Certificate> certificates, PrivateKey key) {
            return result_tuple(CertificateChain::create(std::move(certificates), std::move(key)));
          })
      .def_static("from_pem",
                  [](const std::string& chain, const std::string& key) {
                    return result_tuple(CertificateChain::from_pem(chain, key));
                  })
      .def("certificates", &CertificateChain::certificates)
      .def("key", &CertificateChain::key);

  py::class_<TrustStore>(m, "TrustStore")
      .def_static("system", [] { return result_tuple(TrustStore::system()); })
      .def_static("from_pem",
                  [](const std::string& pem) { return result_tuple(TrustStore::from_pem(pem)); })
      .def_static("from_file",
                  [](const std::string& path) { return result_tuple(TrustStore::from_file(path)); })
      .def_static("from_certificates",
                  [](std::vector<Certificate> certificates) {
                    return result_tuple(TrustStore::from_certificates(std::move(certificates)));
                  })
      .def("certificates", &TrustStore::certificates);

  py::class_<CertificateResponder>(m, "Responder")
      .def("provide",
           [](const CertificateResponder& responder, CertificateChain chain) {
             Result<void> done;
             {
               py::gil_scoped_release released;
               done = responder.provide(std::move(chain));
             }
             return void_result(done);
           })
      .def("decline", [](const CertificateResponder& responder) {
        Result<void> done;
        {
          py::gil_scoped_release released;
          done = responder.decline();
        }
        return void_result(done);
      });

  py::class_<ServerCertificates, std::shared_ptr<ServerCertificates>>(m, "ServerStore");
  m.def("chain_store", [](CertificateChain chain) -> std::shared_ptr<ServerCertificates> {
    return std::make_shared<ServerCertificateChain>(std::move(chain));
  });
  m.def("sni_store",
        [](std::vector<CertificateChain> chains,
           std::optional<CertificateChain> fallback) -> std::shared_ptr<ServerCertificates> {
          return std::make_shared<SNIServerCertificates>(std::move(chains), std::move(fallback));
        });
  m.def("python_store", [](py::object select) -> std::shared_ptr<ServerCertificates> {
    return std::make_shared<PyServerStore>(std::move(select));
  });

  py::class_<PySession>(m, "Session")
      .def("receive_data", &PySession::receive_data)
      .def("receive_eof", &PySession::receive_eof)
      .def("write_data", &PySession::write_data)
      .def("finish", &PySession::finish)
      .def("alert", &PySession::alert)
      .def("export_keying_material", &PySession::export_keying_material)
      .def("info", &PySession::info)
      .def("handshake_complete", &PySession::handshake_complete)
      .def("state", &PySession::state)
      .def("failure", &PySession::failure);

  py::class_<ClientTLS>(m, "ClientTLS")
      .def(py::init([](const std::string& host, std::optional<TrustStore> trust,
                       py::object client_store, const std::string& backend,
                       std::vector<std::string> alpn, bool tls13_only) {
             ClientOptions options;
             options.trust = std::move(trust);
             options.alpn = std::move(alpn);
             auto parsed = backend_of(backend);
             options.backend = parsed ? *parsed : Backend::openssl;
             if (tls13_only) options.policy = Policy::tls13_only();
             if (!client_store.is_none()) {
               options.client_certificates =
                   std::make_shared<PyClientStore>(std::move(client_store));
             }
             return ClientTLS{host, std::move(options)};
           }),
           py::arg("host"), py::arg("trust"), py::arg("client_store"), py::arg("backend"),
           py::arg("alpn"), py::arg("tls13_only"))
      .def("configuration_error",
           [](const ClientTLS& tls) -> py::object {
             const Error* error = tls.configuration_error();
             return error ? error_tuple(*error) : py::none();
           })
      .def("start",
           [](const ClientTLS& tls, py::object write, py::object close, py::object verify) {
             auto callbacks = make_callbacks(std::move(write), std::move(close), std::move(verify));
             Result<Session> started = [&] {
               py::gil_scoped_release released;
               return tls.start(std::move(callbacks));
             }();
             if (!started) return py::make_tuple(py::none(), error_tuple(started.error()));
             return py::make_tuple(py::cast(PySession{std::move(*started)}), py::none());
           });

  py::class_<ServerTLS>(m, "ServerTLS")
      .def(py::init([](std::shared_ptr<ServerCertificates> store, const std::string& backend,
                       std::vector<std::string> alpn, bool tls13_only,
                       const std::string& client_auth, std::optional<TrustStore> client_trust) {
             ServerOptions options;
             options.alpn = std::move(alpn);
             auto parsed = backend_of(backend);
             options.backend = parsed ? *parsed : Backend::openssl;
             if (tls13_only) options.policy = Policy::tls13_only();
             options.client_auth = client_auth == "required"   ? ClientAuth::required
                                   : client_auth == "optional" ? ClientAuth::optional
                                                               : ClientAuth::none;
             options.client_trust = std::move(client_trust);
             return ServerTLS{std::move(store), std::move(options)};
           }),
           py::arg("store"), py::arg("backend"), py::arg("alpn"), py::arg("tls13_only"),
           py::arg("client_auth"), py::arg("client_trust"))
      .def("configuration_error",
           [](const ServerTLS& tls) -> py::object {
             const Error* error = tls.configuration_error();
             return error ? error_tuple(*error) : py::none();
           })
      .def("start",
           [](const ServerTLS& tls, py::object write, py::object close, py::object verify) {
             auto callbacks = make_callbacks(std::move(write), std::move(close), std::move(verify));
             Result<Session> started = [&] {
               py::gil_scoped_release released;
               return tls.start(std::move(callbacks));
             }();
             if (!started) return py::make_tuple(py::none(), error_tuple(started.error()));
             return py::make_tuple(py::cast(PySession{std::move(*started)}), py::none());
           });

  m.def("parse_backend", [](const std::string& name) -> py::object {
    auto parsed = parse_backend(name);
    return parsed ? py::none() : error_tuple(parsed.error());
  });
  m.def("available_backends", [] {
    std::vector<std::string> names;
    for (const auto& capabilities : backends()) {
      if (capabilities.available) names.emplace_back(backend_name(capabilities.backend));
    }
    return names;
  });
}
