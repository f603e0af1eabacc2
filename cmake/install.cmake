# install.cmake: what `cmake --install` puts under the prefix
# (docs/install.md), included at the end of the top-level CMakeLists.txt.
#
#   <prefix>/bin/ipcsim                      the CLI
#   <prefix>/<libdir>/libtocksim.a            the userspace library apps link
#   <prefix>/include/ipcsim/                  its headers (libtock/, libtock-sync/,
#                                             ipcsim/, ipcsvc.h, ipcsim_proto.h)
#   <prefix>/libexec/ipcsim/                  the example programs, by name
#   <prefix>/share/ipcsim/platforms/          the platform profiles
#   <prefix>/share/ipcsim/scenarios/          the example scenarios
#   <prefix>/<libdir>/cmake/ipcsim/           the CMake package
#   <prefix>/<libdir>/pkgconfig/ipcsim.pc     the pkg-config file
include(CMakePackageConfigHelpers)

set(IPCSIM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ipcsim CACHE STRING
    "Installed CMake package files, relative to the prefix")
set(IPCSIM_INSTALL_PKGCONFIGDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig CACHE STRING
    "Installed pkg-config file, relative to the prefix")
set(IPCSIM_INSTALL_SCENARIODIR ${CMAKE_INSTALL_DATADIR}/ipcsim/scenarios CACHE STRING
    "Installed example scenarios, relative to the prefix")
set(IPCSIM_INSTALL_BINARY ${CMAKE_INSTALL_BINDIR}/ipcsim)

# An install directory as an absolute path under the configured prefix.
function(_ipcsim_full_dir out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

# A directory relative to another, "." when they are the same.
function(_ipcsim_relative out from to)
  file(RELATIVE_PATH rel "${from}" "${to}")
  string(REGEX REPLACE "/+$" "" rel "${rel}")
  if(rel STREQUAL "")
    set(rel ".")
  endif()
  set(${out} "${rel}" PARENT_SCOPE)
endfunction()

# --- Default directories of the CLI ------------------------------------------
# Run from the directory it was built in, ipcsim uses the build tree's
# programs and the source tree's profiles (IPCSIM_DEFAULT_APP_DIR and
# IPCSIM_DEFAULT_PLATFORM_DIR, sim/CMakeLists.txt). Run from anywhere else,
# it looks for the installed directories relative to its own location
# (/proc/self/exe), so an installed tree can be moved or installed with
# `cmake --install --prefix` elsewhere than configured. See search_paths()
# in sim/main.c.
_ipcsim_full_dir(_ipcsim_bin "${CMAKE_INSTALL_BINDIR}")
_ipcsim_full_dir(_ipcsim_prog "${IPCSIM_INSTALL_PROGRAMDIR}")
_ipcsim_full_dir(_ipcsim_plat "${IPCSIM_INSTALL_PLATFORMDIR}")
_ipcsim_relative(_ipcsim_rel_prog "${_ipcsim_bin}" "${_ipcsim_prog}")
_ipcsim_relative(_ipcsim_rel_plat "${_ipcsim_bin}" "${_ipcsim_plat}")
target_compile_definitions(ipcsim PRIVATE
  IPCSIM_BUILD_BIN_DIR="$<TARGET_FILE_DIR:ipcsim>"
  IPCSIM_INSTALL_APP_DIR="${_ipcsim_rel_prog}"
  IPCSIM_INSTALL_PLATFORM_DIR="${_ipcsim_rel_plat}")

# --- Targets and files -------------------------------------------------------
install(TARGETS ipcsim EXPORT ipcsimTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS tocksim EXPORT ipcsimTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
# With -DIPCSIM_LIBTOCK_C: the shim and printf alone, for apps that bring
# libtock-c's own library (docs/legacy-ipc.md).
if(TARGET tocksim_runtime)
  install(TARGETS tocksim_runtime EXPORT ipcsimTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(DIRECTORY ${CMAKE_SOURCE_DIR}/apps/include/
        DESTINATION ${IPCSIM_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
# The app <-> simulator protocol: in-tree apps see it through tocksim's
# include path, so installed ones do too.
install(FILES ${CMAKE_SOURCE_DIR}/common/ipcsim_proto.h
        DESTINATION ${IPCSIM_INSTALL_INCLUDEDIR})
if(IPCSIM_PROGRAMS OR IPCSIM_LIBTOCK_C_PROGRAMS)
  install(TARGETS ${IPCSIM_PROGRAMS} ${IPCSIM_LIBTOCK_C_PROGRAMS}
          RUNTIME DESTINATION ${IPCSIM_INSTALL_PROGRAMDIR})
endif()
install(DIRECTORY ${CMAKE_SOURCE_DIR}/platforms/
        DESTINATION ${IPCSIM_INSTALL_PLATFORMDIR}
        FILES_MATCHING PATTERN "*.json")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/scenarios/
        DESTINATION ${IPCSIM_INSTALL_SCENARIODIR}
        FILES_MATCHING PATTERN "*.json")

# --- CMake package: find_package(ipcsim CONFIG) ------------------------------
install(EXPORT ipcsimTargets
        NAMESPACE ipcsim::
        FILE ipcsimTargets.cmake
        DESTINATION ${IPCSIM_INSTALL_CMAKEDIR})
configure_package_config_file(
  ${CMAKE_SOURCE_DIR}/cmake/ipcsimConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/ipcsimConfig.cmake
  INSTALL_DESTINATION ${IPCSIM_INSTALL_CMAKEDIR}
  PATH_VARS IPCSIM_INSTALL_BINARY IPCSIM_INSTALL_PROGRAMDIR IPCSIM_INSTALL_PLATFORMDIR
            IPCSIM_INSTALL_SCENARIODIR IPCSIM_INSTALL_INCLUDEDIR)
# 0.x: a minor version may change the library's interface.
write_basic_package_version_file(
  ${CMAKE_BINARY_DIR}/cmake/ipcsimConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/ipcsimConfig.cmake
              ${CMAKE_BINARY_DIR}/cmake/ipcsimConfigVersion.cmake
              ${CMAKE_SOURCE_DIR}/cmake/ipcsimAddApp.cmake
        DESTINATION ${IPCSIM_INSTALL_CMAKEDIR})

# --- pkg-config: ipcsim.pc ---------------------------------------------------
# The prefix is found from the .pc file's own location (${pcfiledir}), so
# the file is right whatever --prefix the install is given.
_ipcsim_full_dir(_ipcsim_pcdir "${IPCSIM_INSTALL_PKGCONFIGDIR}")
_ipcsim_relative(_ipcsim_pc_to_prefix "${_ipcsim_pcdir}" "${CMAKE_INSTALL_PREFIX}")
set(IPCSIM_PC_PREFIX "\${pcfiledir}/${_ipcsim_pc_to_prefix}")
# A directory for the .pc file: under ${prefix} if relative.
function(_ipcsim_pc_dir out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
_ipcsim_pc_dir(IPCSIM_PC_BINDIR "${CMAKE_INSTALL_BINDIR}")
_ipcsim_pc_dir(IPCSIM_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
_ipcsim_pc_dir(IPCSIM_PC_INCLUDEDIR "${IPCSIM_INSTALL_INCLUDEDIR}")
_ipcsim_pc_dir(IPCSIM_PC_PROGRAMDIR "${IPCSIM_INSTALL_PROGRAMDIR}")
_ipcsim_pc_dir(IPCSIM_PC_PLATFORMDIR "${IPCSIM_INSTALL_PLATFORMDIR}")
_ipcsim_pc_dir(IPCSIM_PC_SCENARIODIR "${IPCSIM_INSTALL_SCENARIODIR}")
configure_file(${CMAKE_SOURCE_DIR}/cmake/ipcsim.pc.in ${CMAKE_BINARY_DIR}/cmake/ipcsim.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/cmake/ipcsim.pc DESTINATION ${IPCSIM_INSTALL_PKGCONFIGDIR})
