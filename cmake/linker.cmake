# SPDX-License-Identifier: Apache-2.0 OR MIT
# Links with gold when the toolchain has it (binutils does on Debian 12): the build links some
# sixty test and tool executables against the static libraries, and gold does each in about half
# the time of the default linker. Nothing about the output changes; -DSANSTLS_FAST_LINKER=OFF keeps
# the default linker.
include(CheckLinkerFlag)
option(SANSTLS_FAST_LINKER "Link with gold when available" ON)
if(SANSTLS_FAST_LINKER)
  check_linker_flag(CXX "-fuse-ld=gold" SANSTLS_HAVE_GOLD)
  if(SANSTLS_HAVE_GOLD)
    add_link_options(-fuse-ld=gold)
  endif()
endif()
