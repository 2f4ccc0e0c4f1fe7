# Compiler flags shared by every target: STYLE.md's warning set, sanitizers and coverage.
find_package(Threads REQUIRED)

# -Wvla beyond STYLE.md: an array sized by an always_inline kernel's const int parameter is a
# variable-length array, which GCC keeps in memory even when the size folds to a constant (the
# depthwise weights were one; 8-pixel tiles with their accumulators in one ran no faster than
# without tiles, and 1.35x faster once fixed).
set(AIMP_WARNINGS -Wall -Wextra -Wshadow -Wvla -Wconversion -Wundef -Wno-sign-conversion)
if(WERROR)
  list(APPEND AIMP_WARNINGS -Werror)
endif()

set(AIMP_INSTRUMENT "")
if(SANITIZE)
  list(APPEND AIMP_INSTRUMENT -fsanitize=${SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
endif()
if(COVERAGE)
  # Atomic counters: the thread pools update the same counters from several threads, and plain
  # increments race into negative counts that gcov writes and gcovr then refuses to parse.
  list(APPEND AIMP_INSTRUMENT --coverage -fprofile-update=atomic)
endif()
if(FUZZ)
  # Coverage feedback for libFuzzer from the libraries too, not only from the fuzz target itself.
  list(APPEND AIMP_INSTRUMENT -fsanitize=fuzzer-no-link)
endif()
if(AIMP_INSTRUMENT)
  add_compile_options(${AIMP_INSTRUMENT})
  add_link_options(${AIMP_INSTRUMENT})
endif()

function(aimp_target_flags target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:C>:${AIMP_WARNINGS}>)
  target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
endfunction()
