// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the ServerHello parser (input: a ServerHello body, without the handshake
// header).
#include "message_fuzz.hpp"

SANSTLS_MESSAGE_FUZZER(ServerHello, server_hello)
