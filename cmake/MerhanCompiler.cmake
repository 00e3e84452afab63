# Warnings, sanitizers and ccache for every merhan target.

if(MERHAN_USE_CCACHE)
  find_program(MERHAN_CCACHE ccache)
  if(MERHAN_CCACHE)
    # The sloppiness lets ccache reuse objects built with a precompiled header;
    # basedir makes hits survive a different clone path.
    set(CMAKE_CXX_COMPILER_LAUNCHER
        ${CMAKE_COMMAND} -E env
        CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
        CCACHE_BASEDIR=${CMAKE_SOURCE_DIR}
        ${MERHAN_CCACHE})
    set(CMAKE_C_COMPILER_LAUNCHER ${CMAKE_CXX_COMPILER_LAUNCHER})
    message(STATUS "merhan: ccache at ${MERHAN_CCACHE}")
  endif()
endif()

# Global rather than per target: targets that share the precompiled torch header
# must be compiled with identical flags.
add_compile_options(-Wall -Wextra)

# scripts/sanitize.sh builds with these (docs/sanitizers.md).
if(MERHAN_SANITIZE)
  if(NOT MERHAN_SANITIZE MATCHES "^(address|undefined|address,undefined|thread)$")
    message(FATAL_ERROR "MERHAN_SANITIZE must be 'address', 'undefined', 'address,undefined' or 'thread', got '${MERHAN_SANITIZE}'")
  endif()
  add_compile_options(-fsanitize=${MERHAN_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${MERHAN_SANITIZE})
endif()

# The PyPI torch wheel's libtorch.so exports its own copy of std::filesystem
# (built with an older libstdc++); whichever library comes first in a program's
# NEEDED list wins symbol lookup, and libtorch's remove_all() jumps to address 0.
# Putting libstdc++ first makes every std:: symbol resolve to the system's.
add_link_options("LINKER:--push-state,--no-as-needed" "-lstdc++" "LINKER:--pop-state")
