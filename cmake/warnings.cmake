# Compiler flags shared by every target: STYLE.md's warning set, sanitizers and coverage.
find_package(Threads REQUIRED)

set(AIMP_WARNINGS -Wall -Wextra -Wshadow -Wconversion -Wundef -Wno-sign-conversion)
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
