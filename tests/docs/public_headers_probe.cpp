// SPDX-License-Identifier: Apache-2.0 OR MIT
// Includes <sanstls/sanstls.hpp> and nothing else of sanstls: what a program gets without
// asking for hazmat.
#include <sanstls/sanstls.hpp>

#include "docs/unchecked_chain_probe.hpp"

bool sanstls_hpp_declares_make_unchecked_chain() { return unchecked_chain_probe::declared; }
