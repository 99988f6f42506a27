# Shared build rules of the portal's libraries.

# Warnings as errors for our own code (third-party headers are system headers).
function(portal_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor
    -Wimplicit-fallthrough -Wswitch -Wno-missing-field-initializers
    # GCC 12 reports std::string copies as overlapping at -O2/-O3 (GCC bug
    # 105329, a false positive inside libstdc++).
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()

# Libraries that do I/O (storage, network, crypto, logging, clocks of the OS
# through them). A pure target that links any of them fails to configure.
set(PORTAL_IO_LIBRARY_PATTERN
    "rocksdb|RocksDB|rdkafka|spdlog|sodium|SODIUM|CURL|curl|Boost::|boost_|capnp-rpc|kj-async|kj-http"
    CACHE INTERNAL "")

function(_portal_collect_links target out_var)
  set(seen "")
  set(stack ${target})
  set(found "")
  while(stack)
    list(POP_FRONT stack current)
    if(current IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${current})
    if(TARGET ${current})
      get_target_property(type ${current} TYPE)
      set(props INTERFACE_LINK_LIBRARIES)
      if(NOT type STREQUAL "INTERFACE_LIBRARY")
        list(APPEND props LINK_LIBRARIES)
      endif()
      foreach(prop ${props})
        get_target_property(libs ${current} ${prop})
        if(libs)
          foreach(lib ${libs})
            string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" lib "${lib}")
            list(APPEND found ${lib})
            list(APPEND stack ${lib})
          endforeach()
        endif()
      endforeach()
    endif()
  endwhile()
  set(${out_var} ${found} PARENT_SCOPE)
endfunction()

# Fails configuration when `target` (transitively) links an I/O library.
function(portal_require_pure target)
  _portal_collect_links(${target} links)
  foreach(lib ${links})
    if(lib MATCHES "${PORTAL_IO_LIBRARY_PATTERN}")
      message(FATAL_ERROR
        "${target} is a pure target (ARCHITECTURE.md) but links the I/O library '${lib}'")
    endif()
  endforeach()
endfunction()

# Generates C++ from a Cap'n Proto schema into
# ${CMAKE_CURRENT_BINARY_DIR}/generated/${include_prefix}.
find_program(PORTAL_CAPNP capnp REQUIRED)
find_program(PORTAL_CAPNPC_CXX capnpc-c++ REQUIRED)

function(portal_capnp_generate schema include_prefix out_sources out_dir)
  set(gen_dir ${CMAKE_CURRENT_BINARY_DIR}/generated)
  set(dest ${gen_dir}/${include_prefix})
  get_filename_component(name ${schema} NAME)
  get_filename_component(src_dir ${schema} DIRECTORY)
  add_custom_command(
    OUTPUT ${dest}/${name}.c++ ${dest}/${name}.h
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dest}
    COMMAND ${PORTAL_CAPNP} compile -I/usr/include
            -o${PORTAL_CAPNPC_CXX}:${dest}
            --src-prefix=${src_dir} ${schema}
    DEPENDS ${schema}
    COMMENT "Cap'n Proto: ${name}"
    VERBATIM)
  set(${out_sources} ${dest}/${name}.c++ PARENT_SCOPE)
  set(${out_dir} ${gen_dir} PARENT_SCOPE)
endfunction()
