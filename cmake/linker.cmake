# SPDX-License-Identifier: Apache-2.0 OR MIT
# Links with gold when the toolchain has it (binutils does on Debian 12): the build links some
# sixty test and tool executables against the static libraries, and gold does each in about half
# the time of the default linker. Clang builds (the ASan and fuzz presets) link with lld when it
# is installed: gold warns about every symbol of clang's ASan runtime it cannot export (thousands
# of lines per build). Nothing about the output changes; -DSANSTLS_FAST_LINKER=OFF keeps the
# default linker.
include(CheckLinkerFlag)
option(SANSTLS_FAST_LINKER "Link with gold (lld under clang) when available" ON)
if(SANSTLS_FAST_LINKER)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    check_linker_flag(CXX "-fuse-ld=lld" SANSTLS_HAVE_LLD)
  endif()
  if(SANSTLS_HAVE_LLD)
    add_link_options(-fuse-ld=lld)
  else()
    check_linker_flag(CXX "-fuse-ld=gold" SANSTLS_HAVE_GOLD)
    if(SANSTLS_HAVE_GOLD)
      add_link_options(-fuse-ld=gold)
    endif()
  endif()
endif()
