# Tests: one executable per tests/<lib>/test_*.c, one bash test per tests/<lib>/test_*.sh.
# Every test sees, in its environment:
#   AIMP_SHARED_DIR   ../shared (tests that need it skip with exit code 77 when it is absent)
#   AIMP_MODELS_DIR   models/ from scripts/setup     AIMP_SAMPLES_DIR  samples/
#   VRAM NN POSE      paths of the three programs    AIMP_TMP          a scratch folder per test
set(_aimp_env
  "AIMP_SHARED_DIR=${AIMP_SHARED_DIR}"
  "AIMP_MODELS_DIR=${AIMP_MODELS_DIR}"
  "AIMP_SAMPLES_DIR=${AIMP_SAMPLES_DIR}"
  "AIMP_SOURCE_DIR=${CMAKE_SOURCE_DIR}"
  "VRAM=$<TARGET_FILE:vram_cli>"
  "NN=$<TARGET_FILE:nn_cli>"
  "POSE=$<TARGET_FILE:pose_cli>")

# The emu16 kernel table of the nn differential tests (tests/nn/simd_emu16.c): one object for all
# of them, not one compile of the whole kernel body per test.
add_library(nn_test_emu16 STATIC tests/nn/simd_emu16.c)
target_include_directories(nn_test_emu16 PRIVATE tests src/nn)
target_link_libraries(nn_test_emu16 PRIVATE nn)
aimp_target_flags(nn_test_emu16)

foreach(lib vram nn pose)
  file(GLOB _tests CONFIGURE_DEPENDS tests/${lib}/test_*.c)
  foreach(t ${_tests})
    get_filename_component(name ${t} NAME_WE)
    set(target ${lib}_${name})
    add_executable(${target} ${t})
    target_include_directories(${target} PRIVATE tests src/${lib})
    target_link_libraries(${target} PRIVATE ${lib})
    if(lib STREQUAL "nn")
      target_link_libraries(${target} PRIVATE nn_test_emu16)
    endif()
    aimp_target_flags(${target})
    add_test(NAME ${lib}/${name} COMMAND ${target})
    set_tests_properties(${lib}/${name} PROPERTIES LABELS ${lib} SKIP_RETURN_CODE 77
      ENVIRONMENT "${_aimp_env};AIMP_TMP=${CMAKE_BINARY_DIR}/testtmp/${lib}_${name}")
    list(APPEND AIMP_TEST_TARGETS ${target})
  endforeach()
  file(GLOB _scripts CONFIGURE_DEPENDS tests/${lib}/test_*.sh)
  foreach(t ${_scripts})
    get_filename_component(name ${t} NAME_WE)
    add_test(NAME ${lib}/${name} COMMAND bash ${t})
    set_tests_properties(${lib}/${name} PROPERTIES LABELS ${lib} SKIP_RETURN_CODE 77
      ENVIRONMENT "${_aimp_env};AIMP_TMP=${CMAKE_BINARY_DIR}/testtmp/${lib}_${name}")
  endforeach()
endforeach()
add_custom_target(all_tests DEPENDS ${AIMP_TEST_TARGETS})

# The seven models once more on the plain-C reference kernels alone (NN_SIMD=scalar): the
# reference twins answer to TF.js too, not only to the SIMD kernels. Not in the sanitizer build:
# there it took 7.5 minutes (the kernels' memory safety is the unit tests' and test_models' job).
if(NOT SANITIZE)
  add_test(NAME nn/test_models_scalar COMMAND nn_test_models)
  set_tests_properties(nn/test_models_scalar PROPERTIES LABELS nn SKIP_RETURN_CODE 77
    ENVIRONMENT "${_aimp_env};NN_SIMD=scalar;AIMP_TMP=${CMAKE_BINARY_DIR}/testtmp/nn_test_models_scalar")
endif()

# Each library exports only its own prefix (STYLE.md #1): vram_ / nn_ / pose_ (internals <lib>__).
foreach(lib vram nn pose)
  add_test(NAME symbols/${lib}
    COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/check-symbols $<TARGET_FILE:${lib}> ${lib})
  set_tests_properties(symbols/${lib} PROPERTIES LABELS symbols)
endforeach()

# libFuzzer targets: fuzz/<lib>/fuzz_*.c, built with clang -fsanitize=fuzzer (FUZZ=ON).
if(FUZZ)
  foreach(lib vram nn pose)
    file(GLOB _fuzz CONFIGURE_DEPENDS fuzz/${lib}/fuzz_*.c)
    foreach(f ${_fuzz})
      get_filename_component(name ${f} NAME_WE)
      add_executable(${name} ${f})
      target_include_directories(${name} PRIVATE src/${lib})
      target_link_libraries(${name} PRIVATE ${lib})
      target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
      target_link_options(${name} PRIVATE -fsanitize=fuzzer)
      list(APPEND AIMP_FUZZ_TARGETS ${name})
    endforeach()
  endforeach()
  # scripts/test's fuzz stage builds only these (AIMP_BUILD_TARGET=all_fuzz scripts/build ...).
  add_custom_target(all_fuzz DEPENDS ${AIMP_FUZZ_TARGETS})
endif()

# Line coverage of the libraries and programs (COVERAGE=ON, then run ctest, then this target).
if(COVERAGE)
  find_program(GCOVR gcovr)
  add_custom_target(coverage
    # Lines gcov cannot write cleanly are reported on stderr and skipped, never fatal: the figure
    # is information, the tests before it are the verdict.
    COMMAND ${GCOVR} -r ${CMAKE_SOURCE_DIR} --filter ${CMAKE_SOURCE_DIR}/src/ --print-summary
            --gcov-ignore-parse-errors
            --txt ${CMAKE_BINARY_DIR}/coverage.txt ${CMAKE_BINARY_DIR}
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
endif()
