# Hostile modules of the sandbox (issue 11: escape, kill, write outside, resources, unguard). They
# are not in the samples table (tests/samples_test.cpp): tests/sandbox_hostile_test.sh runs each
# under a kill-on-timeout wrapper and checks its outcome, its time, its reports afterwards and that
# no process of it is left.
set(VSPC_SANDBOX_HOSTILE system_sleep daemon_rewrite fork_sleepers kill_parent stop_parent kill_group
                         write_outside unbounded_alloc unguard)
set(VSPC_SANDBOX_HOSTILE ${VSPC_SANDBOX_HOSTILE} PARENT_SCOPE)  # tests/CMakeLists.txt runs them
foreach(name IN LISTS VSPC_SANDBOX_HOSTILE)
  set(source ${name})
  if(name STREQUAL "stop_parent")
    set(source kill_parent)
  endif()
  set(target hostile_sandbox_${name})
  add_library(${target} MODULE ${CMAKE_CURRENT_LIST_DIR}/sandbox_${source}.c)
  set_target_properties(${target} PROPERTIES PREFIX "lib" OUTPUT_NAME "vsp_sandbox_${name}"
                                             LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/samples/hostile"
                                             C_STANDARD 11 C_EXTENSIONS OFF)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include/kmcl ${PROJECT_SOURCE_DIR}/samples)
  target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
  target_compile_options(${target} PRIVATE -Wall -O1 -g -fno-omit-frame-pointer)
  if(name STREQUAL "stop_parent")
    target_compile_definitions(${target} PRIVATE HOSTILE_SIGNAL=SIGSTOP)
  endif()
endforeach()
