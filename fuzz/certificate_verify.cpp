// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the CertificateVerify parser (input: a CertificateVerify body, without the
// handshake header).
#include "message_fuzz.hpp"

SANSTLS_MESSAGE_FUZZER(CertificateVerify, certificate_verify)
