# ipcsim_add_app(<name> <sources...>): build a program the simulator can run.
#
# The program links the userspace library ipcsim::tocksim, whose interface
# carries what every app needs: its headers, -Wl,--wrap=main (the shim runs
# main on a stack inside the simulated process block), -Wl,-z,now (no lazy
# binding on that small stack) and -ldl.
#
# If IPCSIM_APP_DIR is set when the function is called, the program is
# written there, so that one directory holds all programs and a scenario
# can name them (ipcsim finds them with IPCSIM_PROGRAM_PATH=<that dir>);
# otherwise CMake's usual output directory applies and a scenario names the
# program by its path.
#
# This file is used both by ipcsim's own build and by projects that use an
# installed ipcsim through find_package(ipcsim).
function(ipcsim_add_app name)
  if(NOT ARGN)
    message(FATAL_ERROR "ipcsim_add_app(${name}): no sources given")
  endif()
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE ipcsim::tocksim)
  if(IPCSIM_APP_DIR)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${IPCSIM_APP_DIR}")
  endif()
endfunction()
