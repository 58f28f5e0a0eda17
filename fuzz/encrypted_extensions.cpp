// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the EncryptedExtensions parser (input: a EncryptedExtensions body, without the
// handshake header).
#include "message_fuzz.hpp"

SANSTLS_MESSAGE_FUZZER(EncryptedExtensions, encrypted_extensions)
