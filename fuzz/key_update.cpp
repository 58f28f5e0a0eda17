// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the KeyUpdate parser (input: a KeyUpdate body, without the handshake header).
#include "message_fuzz.hpp"

SANSTLS_MESSAGE_FUZZER(KeyUpdate, key_update)
