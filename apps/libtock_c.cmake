# libtock_c.cmake: builds a libtock-c checkout's portable library sources
# and example apps for the host, against ipcsim's syscall shim, without
# editing them. Nothing of libtock-c is part of this repository: the user
# points the build at their own checkout.
#
#   cmake -S . -B build -DIPCSIM_LIBTOCK_C=/path/to/libtock-c
#
# Options:
#   IPCSIM_LIBTOCK_C           the libtock-c checkout (empty: nothing built)
#   IPCSIM_LIBTOCK_C_EXAMPLES  folders under its examples/ to build as
#                              programs (default: the IPC examples)
#   IPCSIM_LIBTOCK_C_EXCLUDE   more library sources to leave out, as paths
#                              relative to the checkout (should a newer
#                              libtock-c add one that cannot build for the
#                              host); default none
#
# What is built:
#   - libtock-c's libtock/ and libtock-sync/ sources, as upstream's
#     TockLibrary.mk lists them, except the C runtime that the shim replaces:
#     libtock/crt0.c (start-up) and the newlib stubs libtock/sys.c and
#     libtock-sync/sys.c (_exit, _sbrk, _write: the shim provides start-up,
#     exit and malloc, and its printf writes to the console driver).
#     libtock/tock.c compiles for the host as it is: its syscall entry points
#     are only defined for Arm and RISC-V, and the shim provides them.
#   - tocksim_runtime: the syscall shim and the console printf of this
#     repository, nothing else of its libtock-compatible library, so that no
#     symbol is defined twice.
#   - one program per example, named libtock-c.<folder with / as .>, e.g.
#     libtock-c.rot13_service or libtock-c.tutorials.05_ipc.led, from the
#     folder's *.c files (upstream's C_SRCS), placed with the other programs.
#
# Upstream code is compiled as upstream compiles it (-std=gnu2x, the
# checkout root on the include path) with warnings off: it is not ours to
# fix, and a warning in it must not fail a -Werror build of ipcsim.
set(IPCSIM_LIBTOCK_C "" CACHE PATH
    "A libtock-c checkout whose library and example apps to build for the host")
set(IPCSIM_LIBTOCK_C_EXAMPLES
    "rot13_service;rot13_client;tutorials/05_ipc/led;tutorials/05_ipc/rng;tutorials/05_ipc/logic;services/unit_test_supervisor;unit_tests/passfail;unit_tests/timeout"
    CACHE STRING "libtock-c example folders (under examples/) to build as programs")
set(IPCSIM_LIBTOCK_C_EXCLUDE "" CACHE STRING
    "libtock-c library sources (paths relative to the checkout) not to build")

set(IPCSIM_LIBTOCK_C_PROGRAMS "")
if(NOT IPCSIM_LIBTOCK_C)
  return()
endif()
get_filename_component(_lc_root "${IPCSIM_LIBTOCK_C}" ABSOLUTE)
if(NOT EXISTS "${_lc_root}/libtock/tock.h" OR NOT EXISTS "${_lc_root}/libtock-sync")
  message(FATAL_ERROR
    "IPCSIM_LIBTOCK_C=${IPCSIM_LIBTOCK_C}: not a libtock-c checkout "
    "(expected libtock/tock.h and libtock-sync/ in it)")
endif()

# Compile options for upstream code.
function(_ipcsim_lc_flags target)
  if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.21)
    set_target_properties(${target} PROPERTIES C_STANDARD 23 C_EXTENSIONS ON)
  else()
    target_compile_options(${target} PRIVATE -std=gnu2x)
  endif()
  target_compile_options(${target} PRIVATE -w)
endfunction()

# The shim and printf, without this repository's libtock-compatible code.
add_library(tocksim_runtime STATIC ${TOCKSIM_SHIM_SOURCES}
            ${CMAKE_CURRENT_SOURCE_DIR}/libtock/stdio_console.c)
target_include_directories(tocksim_runtime PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/common)
target_compile_definitions(tocksim_runtime PRIVATE _GNU_SOURCE)
target_link_options(tocksim_runtime INTERFACE -Wl,--wrap=main)
target_link_libraries(tocksim_runtime INTERFACE dl)

# One upstream library: every .c under <root>/<subdir> but the C runtime;
# the include path is the checkout root plus every source folder, as
# TockLibrary.mk sets it.
function(_ipcsim_lc_library target subdir)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS "${_lc_root}/${subdir}/*.c")
  list(FILTER srcs EXCLUDE REGEX "/${subdir}/(crt0|sys)\\.c$")
  foreach(skip ${IPCSIM_LIBTOCK_C_EXCLUDE})
    list(REMOVE_ITEM srcs "${_lc_root}/${skip}")
  endforeach()
  if(NOT srcs)
    message(FATAL_ERROR "IPCSIM_LIBTOCK_C: no sources in ${_lc_root}/${subdir}")
  endif()
  set(dirs "${_lc_root}")
  foreach(src ${srcs})
    get_filename_component(d "${src}" DIRECTORY)
    list(APPEND dirs "${d}")
  endforeach()
  list(REMOVE_DUPLICATES dirs)
  add_library(${target} STATIC ${srcs})
  target_include_directories(${target} PRIVATE ${dirs})
  _ipcsim_lc_flags(${target})
endfunction()

_ipcsim_lc_library(libtockc_libtock libtock)
_ipcsim_lc_library(libtockc_libtocksync libtock-sync)
set_target_properties(libtockc_libtock PROPERTIES OUTPUT_NAME tock-c)
set_target_properties(libtockc_libtocksync PROPERTIES OUTPUT_NAME tock-c-sync)

# PACKAGE_NAME as the example's Makefile sets it, else the folder name
# (Configuration.mk: PACKAGE_NAME ?= $(shell basename "$(shell pwd)")).
function(_ipcsim_lc_package_name dir out)
  get_filename_component(pkg "${dir}" NAME)
  if(EXISTS "${dir}/Makefile")
    file(STRINGS "${dir}/Makefile" lines REGEX "^[ \t]*PACKAGE_NAME[ \t]*[:?]?=")
    foreach(line ${lines})
      string(REGEX REPLACE "^[ \t]*PACKAGE_NAME[ \t]*[:?]?=[ \t]*" "" v "${line}")
      string(REGEX REPLACE "#.*$" "" v "${v}")
      string(STRIP "${v}" v)
      string(REGEX REPLACE "^\"(.*)\"$" "\\1" v "${v}")
      if(v)
        set(pkg "${v}")
      endif()
    endforeach()
  endif()
  set(${out} "${pkg}" PARENT_SCOPE)
endfunction()

set(_lc_table "")
foreach(example ${IPCSIM_LIBTOCK_C_EXAMPLES})
  set(dir "${_lc_root}/examples/${example}")
  file(GLOB srcs CONFIGURE_DEPENDS "${dir}/*.c")
  if(NOT srcs)
    message(FATAL_ERROR "IPCSIM_LIBTOCK_C_EXAMPLES: no *.c in ${dir}")
  endif()
  string(REPLACE "/" "." prog "libtock-c.${example}")
  add_executable(${prog} ${srcs})
  target_include_directories(${prog} PRIVATE "${_lc_root}" "${dir}")
  target_link_libraries(${prog} PRIVATE libtockc_libtocksync libtockc_libtock tocksim_runtime)
  set_target_properties(${prog} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${IPCSIM_APP_DIR})
  _ipcsim_lc_flags(${prog})
  _ipcsim_lc_package_name("${dir}" pkg)
  list(APPEND IPCSIM_LIBTOCK_C_PROGRAMS ${prog})
  string(APPEND _lc_table "${prog}\t${pkg}\n")
  message(STATUS "libtock-c example ${example}: program ${prog}, package_name \"${pkg}\"")
endforeach()
# program -> package name, for scenarios (tab-separated)
file(WRITE ${CMAKE_BINARY_DIR}/libtock-c-programs.tsv "${_lc_table}")
set(IPCSIM_LIBTOCK_C_PROGRAMS ${IPCSIM_LIBTOCK_C_PROGRAMS} PARENT_SCOPE)
