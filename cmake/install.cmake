# SPDX-License-Identifier: Apache-2.0 OR MIT
# Install rules: headers, the library, an exported CMake package and a pkg-config file.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sanstls ${PROJECT_BINARY_DIR}/include/sanstls
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(TARGETS sanstls sanstls_options EXPORT sanstls-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET sanstls-cli)
  install(TARGETS sanstls-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/sanstls)
install(EXPORT sanstls-targets NAMESPACE sanstls:: DESTINATION ${config_dir})
export(EXPORT sanstls-targets NAMESPACE sanstls::
       FILE ${PROJECT_BINARY_DIR}/sanstls-targets.cmake)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sanstls-config.cmake.in
  ${PROJECT_BINARY_DIR}/sanstls-config.cmake INSTALL_DESTINATION ${config_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sanstls-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sanstls-config.cmake
              ${PROJECT_BINARY_DIR}/sanstls-config-version.cmake
        DESTINATION ${config_dir})

set(SANSTLS_PC_LIBS_PRIVATE "-lssl -lcrypto")
if(SANSTLS_WITH_GNUTLS)
  string(APPEND SANSTLS_PC_LIBS_PRIVATE " -lgnutls")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/sanstls.pc.in ${PROJECT_BINARY_DIR}/sanstls.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sanstls.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
