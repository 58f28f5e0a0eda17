// SPDX-License-Identifier: Apache-2.0 OR MIT
// libFuzzer target: the NewSessionTicket parser (input: a NewSessionTicket body, without the
// handshake header).
#include "message_fuzz.hpp"

SANSTLS_MESSAGE_FUZZER(NewSessionTicket, new_session_ticket)
