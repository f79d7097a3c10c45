# vspc_sample(): build one sample VSP module and register what `vspconform check`
# must conclude about it. The expectations become the table that
# tests/samples_test.cpp walks (one gtest case per sample and profile).
#
#   vspc_sample(NAME sp5_overrun
#               SOURCES defects/sp5_overrun.c
#               [VARIANT plain|coverage|asan]     # how the module is built (default plain)
#               [DEFINES X=1 ...]                 # extra compile definitions
#               EXPECT_STRICT pass|SP5 [RP2 ...]  # exact set of failing rules under --profile strict
#               [EXPECT_KMCL pass|SP5 ...]        # same under --profile kmcl (default: as strict)
#               [WARN SW1 ...]                    # warnings that must be reported (never fail)
#               [EXIT 2]                          # expected exit code when the module cannot be tested
#               [ARGS --save-symbol X ...]        # extra arguments for check
#               [RUNS default|N]                  # the coverage-guided budget its verdict test needs
#               [STRICT_ONLY])                    # a long run whose kmcl verdict is the strict one:
#                                                 # its verdict test runs --profile strict only
#
# The sample tests run `check` with the smallest budget that still shows the verdict: --runs 0
# (the contract sweep alone) unless RUNS says the sample needs the coverage-guided stage (its
# defect is only reached by exploration, or exploration must raise no false alarm on it).
#
# The module is a plain shared library built with the compiler that builds the
# project, against include/kmcl only.

# A module's compare routines stay calls: at -O1 clang would expand memcmp(p, "SIGNATURE", 8) or
# strcmp(p, "TAG") with a constant into inline integer compares that no interceptor sees. As calls
# they resolve to the host's libFuzzer interceptors (CMakeLists.txt, vspc_host), which hand the
# operands to libFuzzer's CMP mutator and value profile: a signature or tag that gates a bug is
# then found in seconds. The same list is in cmake/vspconformFunctions.cmake (vspconform_add_module).
set(VSPC_MODULE_NO_BUILTIN_COMPARES -fno-builtin-memcmp -fno-builtin-bcmp -fno-builtin-strcmp -fno-builtin-strncmp
    -fno-builtin-strcasecmp -fno-builtin-strncasecmp -fno-builtin-strstr -fno-builtin-strcasestr -fno-builtin-memmem)

function(vspc_sample)
  cmake_parse_arguments(S "STRICT_ONLY" "NAME;VARIANT;EXIT;RUNS" "SOURCES;DEFINES;EXPECT_STRICT;EXPECT_KMCL;WARN;ARGS" ${ARGN})
  if(NOT S_NAME OR NOT S_SOURCES)
    message(FATAL_ERROR "vspc_sample: NAME and SOURCES are required")
  endif()
  if(NOT S_VARIANT)
    set(S_VARIANT plain)
  endif()
  if(NOT S_EXPECT_STRICT)
    set(S_EXPECT_STRICT pass)
  endif()
  if(NOT DEFINED S_RUNS)
    set(S_RUNS 0)
  endif()
  if(NOT S_EXPECT_KMCL)
    set(S_EXPECT_KMCL ${S_EXPECT_STRICT})
  elseif(S_STRICT_ONLY)
    message(FATAL_ERROR "vspc_sample(${S_NAME}): STRICT_ONLY is for samples whose kmcl verdict is the strict one")
  endif()
  if(S_STRICT_ONLY)
    set(strict_only true)
  else()
    set(strict_only false)
  endif()
  if(NOT S_EXIT)
    if(S_EXPECT_STRICT STREQUAL "pass" AND S_EXPECT_KMCL STREQUAL "pass")
      set(S_EXIT 0)
    else()
      set(S_EXIT 1)
    endif()
  endif()

  set(target sample_${S_NAME})
  add_library(${target} MODULE ${S_SOURCES})
  set_target_properties(${target} PROPERTIES PREFIX "lib" OUTPUT_NAME "vsp_${S_NAME}"
                                             LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/samples"
                                             C_STANDARD 11 C_EXTENSIONS OFF)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include/kmcl ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_definitions(${target} PRIVATE ${S_DEFINES})
  # Samples are test subjects: some are wrong on purpose, so only -Wall.
  # -grecord-gcc-switches: the flags go into the module's DWARF (DW_AT_producer); the reports show them.
  # VSPC_MODULE_NO_BUILTIN_COMPARES: the compare routines stay calls (see below).
  target_compile_options(${target} PRIVATE -Wall -O1 -g -grecord-gcc-switches -fno-omit-frame-pointer
                                           ${VSPC_MODULE_NO_BUILTIN_COMPARES})
  if(S_VARIANT STREQUAL "coverage")
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  elseif(S_VARIANT STREQUAL "asan")
    # __asan_* stay undefined in the module: the tester provides the ASan runtime.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address)
  elseif(NOT S_VARIANT STREQUAL "plain")
    message(FATAL_ERROR "vspc_sample(${S_NAME}): VARIANT must be plain, coverage or asan")
  endif()

  string(REPLACE ";" " " strict "${S_EXPECT_STRICT}")
  string(REPLACE ";" " " kmcl "${S_EXPECT_KMCL}")
  string(REPLACE ";" " " warn "${S_WARN}")
  string(REPLACE ";" " " args "${S_ARGS}")
  set(entry "{\"${S_NAME}\", \"$<TARGET_FILE:${target}>\", \"${strict}\", \"${kmcl}\", \"${warn}\", ${S_EXIT}, \"${args}\", \"${S_RUNS}\", ${strict_only}},")
  set_property(GLOBAL APPEND_STRING PROPERTY VSPC_SAMPLE_MANIFEST "${entry}\n")
  set_property(GLOBAL APPEND PROPERTY VSPC_SAMPLE_TARGETS ${target})
endfunction()

# vspc_compat(OLD NEW EXPECT pass|CP1 ... [EXPECT_KMCL ...]): what `vspconform compat` of two
# samples (by vspc_sample NAME) must conclude: the exact set of failing rules. The entries
# become tests/compat_manifest.inc.
function(vspc_compat old new)
  cmake_parse_arguments(C "" "" "EXPECT;EXPECT_KMCL" ${ARGN})
  if(NOT C_EXPECT)
    message(FATAL_ERROR "vspc_compat(${old} ${new}): EXPECT is required")
  endif()
  if(NOT C_EXPECT_KMCL)
    set(C_EXPECT_KMCL ${C_EXPECT})
  endif()
  string(REPLACE ";" " " strict "${C_EXPECT}")
  string(REPLACE ";" " " kmcl "${C_EXPECT_KMCL}")
  set(entry "{\"${old}\", \"${new}\", \"$<TARGET_FILE:sample_${old}>\", \"$<TARGET_FILE:sample_${new}>\", \"${strict}\", \"${kmcl}\"},")
  set_property(GLOBAL APPEND_STRING PROPERTY VSPC_COMPAT_MANIFEST "${entry}\n")
endfunction()

# vspc_hostile(NAME SOURCES ... [DEFINES ...] EXPECT pass|SP11 ... [EXIT n] [ARGS ...] [NEEDS_SANDBOX]):
# an adversarial module (samples/hostile/) and the exact outcome `vspconform check` must reach on
# it: the failing rules and the exit code, in bounded time, with every report written. They are
# not in the sample table (tests/samples_test.cpp runs those plainly): tests/hostile_test.cpp runs
# each one under `timeout -s KILL 120 setsid`, since some signal what is not their own.
# NEEDS_SANDBOX: the outcome holds only inside the sandboxed worker (PID namespace); the test
# skips it until the tester has one.
function(vspc_hostile)
  cmake_parse_arguments(H "NEEDS_SANDBOX" "NAME;EXIT" "SOURCES;DEFINES;EXPECT;ARGS" ${ARGN})
  if(NOT H_NAME OR NOT H_SOURCES OR NOT H_EXPECT)
    message(FATAL_ERROR "vspc_hostile: NAME, SOURCES and EXPECT are required")
  endif()
  if(NOT DEFINED H_EXIT)
    if(H_EXPECT STREQUAL "pass")
      set(H_EXIT 0)
    else()
      set(H_EXIT 1)
    endif()
  endif()
  set(target hostile_${H_NAME})
  add_library(${target} MODULE ${H_SOURCES})
  set_target_properties(${target} PROPERTIES PREFIX "lib" OUTPUT_NAME "vsp_hostile_${H_NAME}"
                                             LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/samples/hostile"
                                             C_STANDARD 11 C_EXTENSIONS OFF)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include/kmcl ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_definitions(${target} PRIVATE ${H_DEFINES})
  target_compile_options(${target} PRIVATE -Wall -O1 -g -grecord-gcc-switches -fno-omit-frame-pointer)
  string(REPLACE ";" " " expect "${H_EXPECT}")
  string(REPLACE ";" " " args "${H_ARGS}")
  if(H_NEEDS_SANDBOX)
    set(sandbox true)
  else()
    set(sandbox false)
  endif()
  set(entry "{\"${H_NAME}\", \"$<TARGET_FILE:${target}>\", \"${expect}\", ${H_EXIT}, \"${args}\", ${sandbox}},")
  set_property(GLOBAL APPEND_STRING PROPERTY VSPC_HOSTILE_MANIFEST "${entry}\n")
  set_property(GLOBAL APPEND PROPERTY VSPC_HOSTILE_TARGETS ${target})
endfunction()
