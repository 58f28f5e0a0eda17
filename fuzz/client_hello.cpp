// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the ClientHello parser (input: a ClientHello body, without the handshake
// header).
#include "message_fuzz.hpp"

SANSTLS_MESSAGE_FUZZER(ClientHello, client_hello)
