# Fails when a source file of a pure folder includes an I/O header or reads a
# clock, randomness or the environment (ARCHITECTURE.md: aggregates are pure).
# Usage: cmake -DDIRS="dir1;dir2" -P check_pure_sources.cmake

set(forbidden_includes
  "fstream" "iostream" "cstdio" "stdio.h" "thread" "mutex" "condition_variable"
  "future" "random" "filesystem" "ctime" "time.h" "unistd.h" "sys/" "rocksdb/"
  "librdkafka/" "spdlog/" "sodium" "curl/" "boost/asio" "boost/beast")
set(forbidden_calls
  "system_clock::now" "steady_clock::now" "high_resolution_clock::now"
  "std::rand" "getenv" "std::cout" "std::cerr" "std::printf" "fprintf(" "fopen(" "static thread_local")

if(NOT DIRS)
  message(FATAL_ERROR "check_pure_sources: pass -DDIRS=...")
endif()
set(violations "")
foreach(dir ${DIRS})
  file(GLOB_RECURSE files "${dir}/*.hpp" "${dir}/*.cpp" "${dir}/*.h")
  foreach(f ${files})
    file(STRINGS "${f}" lines)
    set(n 0)
    foreach(line IN LISTS lines)
      math(EXPR n "${n}+1")
      if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
        set(header "${CMAKE_MATCH_1}")
        foreach(bad ${forbidden_includes})
          string(FIND "${header}" "${bad}" at)
          if(at EQUAL 0)
            list(APPEND violations "${f}:${n}: includes <${header}>")
          endif()
        endforeach()
      endif()
      foreach(bad ${forbidden_calls})
        string(FIND "${line}" "${bad}" at)
        if(NOT at EQUAL -1)
          list(APPEND violations "${f}:${n}: uses ${bad}")
        endif()
      endforeach()
    endforeach()
  endforeach()
endforeach()
if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "impure code in a pure folder:\n  ${text}")
endif()
message(STATUS "pure sources: ok")
