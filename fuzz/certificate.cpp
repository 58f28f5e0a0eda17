// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the Certificate parser (input: a Certificate body, without the handshake
// header).
#include "message_fuzz.hpp"

SANSTLS_MESSAGE_FUZZER(Certificate, certificate)
