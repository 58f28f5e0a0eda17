// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the CertificateRequest parser (input: a CertificateRequest body, without the
// handshake header).
#include "message_fuzz.hpp"

SANSTLS_MESSAGE_FUZZER(CertificateRequest, certificate_request)
