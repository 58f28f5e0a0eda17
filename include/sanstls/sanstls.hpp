// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
/// @file sanstls.hpp
/// The whole blessed API. Weaker settings live apart, in <sanstls/hazmat/hazmat.hpp>.

#include <sanstls/backends.hpp>
#include <sanstls/certificate_stores.hpp>
#include <sanstls/credentials.hpp>
#include <sanstls/error.hpp>
#include <sanstls/protocol.hpp>
#include <sanstls/resumption.hpp>
#include <sanstls/session.hpp>
#include <sanstls/tls.hpp>
#include <sanstls/version.hpp>
