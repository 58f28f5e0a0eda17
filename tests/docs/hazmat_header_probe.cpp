// SPDX-License-Identifier: Apache-2.0 OR MIT
// The same probe with <sanstls/hazmat/hazmat.hpp>: shows that the probe does detect the
// declaration where it belongs.
#include <sanstls/hazmat/hazmat.hpp>
#include <sanstls/sanstls.hpp>

#include "docs/unchecked_chain_probe.hpp"

bool hazmat_hpp_declares_make_unchecked_chain() { return unchecked_chain_probe::declared; }
