// SPDX-License-Identifier: Apache-2.0 OR MIT
#pragma once
// `sanstls cert`: make throw-away test CAs and leaf certificates (sanstls::testing).
//
//   sanstls cert ca   --out DIR [--cn NAME] [--key-type T] [--days N]
//   sanstls cert leaf --ca DIR --out DIR2 --name N1[,N2,...] [--key-type T] [--days N] [--client]

namespace CLI {
class App;
}

namespace sanstls::cli {

/// Adds the `cert` subcommand (with `ca` and `leaf` below it) to `app`. When one of them runs,
/// it sets `exit_code`: 0 on success, 2 for a usage error (bad key type, bad --days, bad name),
/// 1 for any other failure (unreadable CA, unwritable output). Failures print one line to
/// stderr naming what failed. `exit_code` must outlive `app.parse()`.
void add_cert_command(CLI::App& app, int& exit_code);

}  // namespace sanstls::cli
