# What `cmake --install` lays out (and `cpack` packs into vspconform-<version>-Linux-x86_64.tar.gz):
#
#   bin/vspconform, bin/vspconform_fuzzer
#   include/vspconform/kmcl/       the module headers (WdkCompat.h, VmbusKernelModeClientLibApi.h,
#                                  VspConformance.h, pshpack*.h, poppack.h)
#   lib/cmake/vspconform/          the CMake package: find_package(vspconform)
#   share/doc/vspconform/          README.md, docs/ (guide, rules), examples/ (a VSP project, CI files)
#
# The tool needs at run time: libfmt9, libssl3 (libcrypto), and clang's runtimes from
# libclang-rt-14-dev (the ASan runtime it preloads for ASan modules); modules are built with clang.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(VSPC_INSTALL_BINDIR ${CMAKE_INSTALL_BINDIR})
set(VSPC_INSTALL_KMCL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/vspconform/kmcl)
set(VSPC_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/vspconform)
set(VSPC_INSTALL_DOCDIR ${CMAKE_INSTALL_DATAROOTDIR}/doc/vspconform)

install(TARGETS vspconform vspconform_fuzzer RUNTIME DESTINATION ${VSPC_INSTALL_BINDIR})
install(DIRECTORY include/kmcl/ DESTINATION ${VSPC_INSTALL_KMCL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

configure_package_config_file(cmake/vspconformConfig.cmake.in ${PROJECT_BINARY_DIR}/vspconformConfig.cmake
                              INSTALL_DESTINATION ${VSPC_INSTALL_CMAKEDIR}
                              PATH_VARS VSPC_INSTALL_BINDIR VSPC_INSTALL_KMCL_INCLUDEDIR)
# 0.x: a minor version may change the functions, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/vspconformConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/vspconformConfig.cmake ${PROJECT_BINARY_DIR}/vspconformConfigVersion.cmake
              cmake/vspconformFunctions.cmake
        DESTINATION ${VSPC_INSTALL_CMAKEDIR})

install(FILES README.md DESTINATION ${VSPC_INSTALL_DOCDIR})
install(FILES docs/guide.md docs/rules.md DESTINATION ${VSPC_INSTALL_DOCDIR}/docs)
install(DIRECTORY examples/ DESTINATION ${VSPC_INSTALL_DOCDIR}/examples USE_SOURCE_PERMISSIONS)

# The release archive: cpack (in the build directory) or cpack --config <build>/CPackConfig.cmake.
set(CPACK_GENERATOR TGZ)
set(CPACK_PACKAGE_NAME vspconform)
set(CPACK_PACKAGE_VENDOR vspconform)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Checks Hyper-V VSP save/restore callbacks against the KMCL contract")
set(CPACK_PACKAGE_FILE_NAME vspconform-${PROJECT_VERSION}-Linux-${CMAKE_SYSTEM_PROCESSOR})
set(CPACK_PACKAGE_CHECKSUM SHA256)
include(CPack)
