# Finds every dependency of docs/design.md §3. LibTorch comes from the PyPI torch wheel in
# the project venv unless the user points CMake at another one.

find_package(PkgConfig REQUIRED)

# --- LibTorch -------------------------------------------------------------
if(NOT Torch_DIR AND NOT CMAKE_PREFIX_PATH MATCHES "[Tt]orch")
  if(NOT MERHAN_PYTHON)
    if(DEFINED ENV{MERHAN_VENV})
      set(_venv "$ENV{MERHAN_VENV}")
    elseif(DEFINED ENV{XDG_CACHE_HOME})
      set(_venv "$ENV{XDG_CACHE_HOME}/merhan/venv")
    else()
      set(_venv "$ENV{HOME}/.cache/merhan/venv")
    endif()
    set(MERHAN_PYTHON "${_venv}/bin/python" CACHE FILEPATH "Python whose torch provides LibTorch")
  endif()
  execute_process(
    COMMAND "${MERHAN_PYTHON}" -c "import torch.utils; print(torch.utils.cmake_prefix_path)"
    OUTPUT_VARIABLE _torch_prefix OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _torch_rc ERROR_QUIET)
  if(NOT _torch_rc EQUAL 0)
    message(FATAL_ERROR
      "merhan: no LibTorch found. Run scripts/setup.sh (it creates the venv with torch), "
      "or pass -DCMAKE_PREFIX_PATH=/path/to/libtorch or -DMERHAN_PYTHON=/path/to/python.")
  endif()
  list(APPEND CMAKE_PREFIX_PATH "${_torch_prefix}")
  message(STATUS "merhan: LibTorch from ${_torch_prefix}")
endif()

# A CUDA-enabled LibTorch (the default PyPI wheel) asks for the CUDA toolkit at
# configure time. When the toolkit is missing, TorchConfig.cmake stops with an
# error; merhan then links the wheel's CPU entry points directly (libtorch.so still
# loads libtorch_cuda.so at run time, so a GPU is used when present).
if(NOT DEFINED TORCH_CUDA_ARCH_LIST)
  set(TORCH_CUDA_ARCH_LIST "8.0;9.0" CACHE STRING "CUDA archs Caffe2's cmake records (merhan compiles no CUDA code)")
endif()
find_package(CUDAToolkit QUIET)
set(MERHAN_TORCH_DIRECT_LINK AUTO CACHE STRING "Link LibTorch without TorchConfig.cmake: ON, OFF or AUTO (= when no CUDA toolkit is found)")
set(_direct ${MERHAN_TORCH_DIRECT_LINK})
if(_direct STREQUAL "AUTO")
  if(CUDAToolkit_FOUND)
    set(_direct OFF)
  else()
    set(_direct ON)
  endif()
endif()
if(_direct)
  find_path(_torch_root NAMES include/torch/torch.h include/torch/csrc/api/include/torch/torch.h
            PATHS ${CMAKE_PREFIX_PATH} PATH_SUFFIXES ../.. NO_DEFAULT_PATH)
  get_filename_component(_torch_root "${_torch_root}" ABSOLUTE)
  find_library(_torch_lib torch PATHS "${_torch_root}/lib" NO_DEFAULT_PATH REQUIRED)
  find_library(_torch_cpu_lib torch_cpu PATHS "${_torch_root}/lib" NO_DEFAULT_PATH REQUIRED)
  find_library(_c10_lib c10 PATHS "${_torch_root}/lib" NO_DEFAULT_PATH REQUIRED)
  add_library(merhan_libtorch INTERFACE)
  target_include_directories(merhan_libtorch SYSTEM INTERFACE
    "${_torch_root}/include" "${_torch_root}/include/torch/csrc/api/include")
  target_link_libraries(merhan_libtorch INTERFACE ${_torch_lib} ${_torch_cpu_lib} ${_c10_lib})
  set(TORCH_LIBRARIES merhan_libtorch)
  file(STRINGS "${_torch_root}/share/cmake/Torch/TorchConfigVersion.cmake" _tv REGEX "set\\(PACKAGE_VERSION ")
  string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" Torch_VERSION "${_tv}")
  message(STATUS "merhan: LibTorch ${Torch_VERSION} linked directly from ${_torch_root} (no CUDA toolkit)")
else()
  message(STATUS "merhan: CUDA toolkit ${CUDAToolkit_VERSION} at ${CUDAToolkit_BIN_DIR}")
  find_package(Torch REQUIRED)
endif()
if(Torch_VERSION VERSION_LESS 2.4)
  message(FATAL_ERROR "merhan needs LibTorch >= 2.4, found ${Torch_VERSION}")
endif()
message(STATUS "merhan: LibTorch ${Torch_VERSION}")

# --- Debian packages ------------------------------------------------------
pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile)
pkg_check_modules(SOXR REQUIRED IMPORTED_TARGET soxr)
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(KISSFFT REQUIRED IMPORTED_TARGET kissfft-float)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)  # stable hashes for the feature cache
# HTTP server of `merhan serve`; Debian builds it with OpenSSL, zlib and brotli, and its
# pkg-config Cflags carry the matching CPPHTTPLIB_*_SUPPORT defines (the header must
# see the same ones as the library).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
# Audio in containers libsndfile cannot read (mp4/m4a/mp3/ogg/webm: MELD's mp4),
# decoded by audio/ffmpeg_decoder (Debian libavformat-dev libavcodec-dev
# libswresample-dev libavutil-dev).
pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET libavformat libavcodec libswresample libavutil)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)  # SHA-256 of exported model files
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(Threads REQUIRED)
if(MERHAN_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
