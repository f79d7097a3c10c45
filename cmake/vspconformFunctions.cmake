# vspconform's CMake functions for a VSP team's project, loaded by find_package(vspconform).
#
#   find_package(vspconform 0.1 REQUIRED)
#   enable_testing()
#   vspconform_add_module(NAME serialvsp SOURCES src/serialvsp.c src/serialvsp_conformance.c
#                         FLAVOURS plain coverage asan)
#   vspconform_add_check(MODULE serialvsp_plain serialvsp_coverage serialvsp_asan PROFILE strict kmcl)
#
# ---- vspconform_add_module(NAME <name> SOURCES <file>...
#                           [FLAVOURS plain|coverage|asan ...]     (default: plain)
#                           [INCLUDE_DIRECTORIES <dir>...] [COMPILE_DEFINITIONS <def>...]
#                           [COMPILE_OPTIONS <opt>...] [FORCE_INCLUDE <header>...]
#                           [OUTPUT_DIRECTORY <dir>])
# Builds the module once per flavour: target <name>_<flavour>, file lib<name>_<flavour>.so (in
# OUTPUT_DIRECTORY, default ${CMAKE_CURRENT_BINARY_DIR}), and a target <name> that builds them all.
#   plain     a plain shared library: overruns are still caught exactly, by guard pages
#   coverage  + -fsanitize=fuzzer-no-link: check's coverage-guided stage follows the module's branches
#   asan      + -fsanitize=fuzzer-no-link,address: also overflows of the module's own heap and stack
#             objects, use after free (vspconform preloads the ASan runtime; do not link it)
# Every flavour is compiled with -O1 -g -grecord-gcc-switches (the flags go into the module's DWARF,
# and from there into every report) -fno-omit-frame-pointer -Werror=implicit-function-declaration
# (a WDK routine without a declaration is a compile error here, not a load failure later),
# -fno-builtin-memcmp -fno-builtin-bcmp -fno-builtin-strcmp -fno-builtin-strncmp
# -fno-builtin-strcasecmp -fno-builtin-strncasecmp -fno-builtin-strstr -fno-builtin-strcasestr
# -fno-builtin-memmem (the compare routines stay calls, which vspconform intercepts: otherwise clang
# expands memcmp(p, "SIGNATURE", 8) or strcmp(p, "TAG") into inline compares the exploration
# cannot see, and a bug behind such a signature, tag or GUID (IsEqualGUID, RtlCompareMemory) is
# left unfound), defines
# VSPCONFORM=1 (for "#ifdef VSPCONFORM #include <WdkCompat.h> #else #include <ntddk.h> #endif") and
# gets vspconform's headers: WdkCompat.h, VmbusKernelModeClientLibApi.h, VspConformance.h,
# pshpack*.h / poppack.h, ntstrsafe.h. The coverage and asan flavours need clang (the one that built
# vspconform).
# FORCE_INCLUDE names headers of the project (relative to the calling CMakeLists.txt, or absolute)
# that every source of the module includes first (-include), before its own first line: the place for
# the declarations a driver needs that WdkCompat.h lacks (a WDK routine, a macro, a stub of a routine
# the save/restore code calls), without editing the driver's files. Such a header comes before the
# driver's own includes: have it include <WdkCompat.h> first when it uses the WDK's types.
#
# ---- vspconform_add_check(MODULE <target>... [PROFILE strict|kmcl ...] (default: strict)
#                          [ARGS <check argument>...] [REPORT_ROOT <dir>] [TIMEOUT <seconds>]
#                          [SOURCE_ROOT <dir>] [CORPUS <dir>])
# One CTest test per module target and profile, running
#   vspconform check <module file> --profile <profile> --report-dir <dir> --source-root <SOURCE_ROOT>
#                    <ARGS> <VSPCONFORM_CHECK_ARGS>
# SOURCE_ROOT (default: CMAKE_SOURCE_DIR, the top of the project) is what the reports name source
# files relative to; results.sarif then points code scanning at lines of the repository.
# It fails when check exits non-zero: 1 (violations found) or 2 (could not test).
#   test name   vspconform/<name>/<flavour>/<profile>
#   labels      vspconform, vspconform-<flavour>, vspconform-<profile>
#   reports     <REPORT_ROOT>/<flavour>-<profile>/<name>/ (report.md, report.html, report.json,
#               junit.xml, results.sarif, cases/, worker.log); REPORT_ROOT defaults to
#               VSPCONFORM_REPORT_ROOT, which defaults to ${CMAKE_BINARY_DIR}/vspconform-reports.
# CORPUS <dir> (check --corpus): the team's regression cases and saved corpus, played before the
# exploration, which starts from them; check writes the new corpus files back into it. Without it,
# and with the cache variable VSPCONFORM_CORPUS_ROOT set, each check gets
# <VSPCONFORM_CORPUS_ROOT>/<flavour>-<profile>/<name> (keep that directory in the CI cache).
# The cache variable VSPCONFORM_CHECK_ARGS adds arguments to every check of the build tree
# (-DVSPCONFORM_CHECK_ARGS="--runs;100000" for a longer coverage-guided stage).
#
# Variables set by find_package(vspconform): VSPCONFORM_EXECUTABLE, VSPCONFORM_INCLUDE_DIR,
# vspconform_VERSION; imported targets vspconform::vspconform (the tool) and vspconform::kmcl (the
# headers, as an interface library).

include_guard(GLOBAL)

set(VSPCONFORM_REPORT_ROOT "${CMAKE_BINARY_DIR}/vspconform-reports"
    CACHE PATH "Where vspconform_add_check() tests write their reports")
set(VSPCONFORM_CHECK_ARGS "" CACHE STRING
    "Extra arguments for every vspconform_add_check() test, as a list (e.g. --runs;100000 for a nightly job)")

function(vspconform_add_module)
  cmake_parse_arguments(M "" "NAME;OUTPUT_DIRECTORY"
                        "SOURCES;FLAVOURS;INCLUDE_DIRECTORIES;COMPILE_DEFINITIONS;COMPILE_OPTIONS;FORCE_INCLUDE"
                        ${ARGN})
  if(M_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "vspconform_add_module: unknown arguments ${M_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT M_NAME OR NOT M_SOURCES)
    message(FATAL_ERROR "vspconform_add_module: NAME and SOURCES are required")
  endif()
  if(NOT CMAKE_C_COMPILER_LOADED)
    message(FATAL_ERROR "vspconform_add_module(${M_NAME}): the project must enable C (project(... LANGUAGES C))")
  endif()
  if(NOT M_FLAVOURS)
    set(M_FLAVOURS plain)
  endif()
  if(NOT M_OUTPUT_DIRECTORY)
    set(M_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  endif()

  set(force_include)
  foreach(header IN LISTS M_FORCE_INCLUDE)
    cmake_path(ABSOLUTE_PATH header BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE OUTPUT_VARIABLE path)
    if(NOT EXISTS "${path}" OR IS_DIRECTORY "${path}")
      message(FATAL_ERROR "vspconform_add_module(${M_NAME}): FORCE_INCLUDE ${header}: no such header (${path})")
    endif()
    list(APPEND force_include "SHELL:-include \"${path}\"")
  endforeach()

  add_custom_target(${M_NAME})
  foreach(flavour IN LISTS M_FLAVOURS)
    if(flavour STREQUAL "plain")
      set(sanitize "")
    elseif(flavour STREQUAL "coverage")
      set(sanitize -fsanitize=fuzzer-no-link)
    elseif(flavour STREQUAL "asan")
      set(sanitize -fsanitize=fuzzer-no-link,address)
    else()
      message(FATAL_ERROR "vspconform_add_module(${M_NAME}): FLAVOURS are plain, coverage and asan, not '${flavour}'")
    endif()
    if(sanitize AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
      message(FATAL_ERROR "vspconform_add_module(${M_NAME}): the ${flavour} flavour needs clang "
                          "(configure with CC=clang), not ${CMAKE_C_COMPILER_ID}")
    endif()
    set(target ${M_NAME}_${flavour})
    add_library(${target} MODULE ${M_SOURCES})
    set_target_properties(${target} PROPERTIES
                          PREFIX "lib" OUTPUT_NAME "${M_NAME}_${flavour}"
                          LIBRARY_OUTPUT_DIRECTORY "${M_OUTPUT_DIRECTORY}"
                          C_VISIBILITY_PRESET default
                          VSPCONFORM_MODULE_NAME "${M_NAME}" VSPCONFORM_FLAVOUR "${flavour}")
    target_link_libraries(${target} PRIVATE vspconform::kmcl)
    target_include_directories(${target} PRIVATE ${M_INCLUDE_DIRECTORIES})
    target_compile_definitions(${target} PRIVATE VSPCONFORM=1 ${M_COMPILE_DEFINITIONS})
    target_compile_options(${target} PRIVATE -O1 -g -grecord-gcc-switches -fno-omit-frame-pointer
                           -fno-builtin-memcmp -fno-builtin-bcmp -fno-builtin-strcmp -fno-builtin-strncmp
                           -fno-builtin-strcasecmp -fno-builtin-strncasecmp -fno-builtin-strstr
                           -fno-builtin-strcasestr -fno-builtin-memmem
                           $<$<COMPILE_LANGUAGE:C>:-Werror=implicit-function-declaration>
                           ${sanitize} ${M_COMPILE_OPTIONS} ${force_include})
    add_dependencies(${M_NAME} ${target})
  endforeach()
endfunction()

function(vspconform_add_check)
  cmake_parse_arguments(C "" "REPORT_ROOT;TIMEOUT;SOURCE_ROOT;CORPUS" "MODULE;PROFILE;ARGS" ${ARGN})
  if(NOT C_SOURCE_ROOT)
    set(C_SOURCE_ROOT "${CMAKE_SOURCE_DIR}")
  endif()
  set(source_args --source-root ${C_SOURCE_ROOT})
  if("--source-root" IN_LIST C_ARGS OR "--source-root" IN_LIST VSPCONFORM_CHECK_ARGS)
    set(source_args)  # the caller names it (check takes it once)
  endif()
  if(C_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "vspconform_add_check: unknown arguments ${C_UNPARSED_ARGUMENTS}")
  endif()
  # CORPUS dir: the team's regression cases and saved corpus, played before the exploration starts
  # from them; check writes the new corpus files back (keep the directory in the CI cache).
  set(VSPCONFORM_CORPUS_ROOT "" CACHE PATH "a corpus directory per module, flavour and profile under it (check --corpus)")
  if(NOT C_MODULE)
    message(FATAL_ERROR "vspconform_add_check: MODULE <target>... is required")
  endif()
  if(NOT C_PROFILE)
    set(C_PROFILE strict)
  endif()
  if(NOT C_REPORT_ROOT)
    set(C_REPORT_ROOT "${VSPCONFORM_REPORT_ROOT}")
  endif()
  if(NOT C_TIMEOUT)
    set(C_TIMEOUT 600)
  endif()
  foreach(module IN LISTS C_MODULE)
    if(NOT TARGET ${module})
      message(FATAL_ERROR "vspconform_add_check: '${module}' is not a target (vspconform_add_module makes <name>_<flavour>)")
    endif()
    get_target_property(name ${module} VSPCONFORM_MODULE_NAME)
    get_target_property(flavour ${module} VSPCONFORM_FLAVOUR)
    if(NOT name)  # a module built some other way
      set(name ${module})
      set(flavour module)
    endif()
    foreach(profile IN LISTS C_PROFILE)
      if(NOT profile MATCHES "^(strict|kmcl)$")
        message(FATAL_ERROR "vspconform_add_check: PROFILE is strict or kmcl, not '${profile}'")
      endif()
      set(dir "${C_REPORT_ROOT}/${flavour}-${profile}/${name}")
      set(corpus_args)
      if(C_CORPUS)
        set(corpus_args --corpus ${C_CORPUS})
      elseif(VSPCONFORM_CORPUS_ROOT)
        set(corpus_args --corpus "${VSPCONFORM_CORPUS_ROOT}/${flavour}-${profile}/${name}")
      endif()
      set(test vspconform/${name}/${flavour}/${profile})
      add_test(NAME ${test}
               COMMAND vspconform::vspconform check $<TARGET_FILE:${module}> --profile ${profile}
                       --report-dir ${dir} ${source_args} ${corpus_args} ${C_ARGS} ${VSPCONFORM_CHECK_ARGS})
      set_tests_properties(${test} PROPERTIES
                           LABELS "vspconform;vspconform-${flavour};vspconform-${profile}"
                           TIMEOUT ${C_TIMEOUT})
    endforeach()
  endforeach()
endfunction()
