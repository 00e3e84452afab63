# Finds every dependency of DESIGN §3. LibTorch comes from the PyPI torch wheel in
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

# A CUDA-enabled LibTorch asks for the CUDA toolkit at configure time. Caffe2's
# cmake still looks up nvToolsExt and cuDNN the old way; help it find them where
# the toolkit and the nvidia-* wheels put them.
find_package(CUDAToolkit QUIET)
if(CUDAToolkit_FOUND)
  message(STATUS "merhan: CUDA toolkit ${CUDAToolkit_VERSION} at ${CUDAToolkit_BIN_DIR}")
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS "${CUDAToolkit_BIN_DIR}/nvcc")
    set(CMAKE_CUDA_COMPILER "${CUDAToolkit_BIN_DIR}/nvcc")
  endif()
endif()
find_package(Torch REQUIRED)
if(Torch_VERSION VERSION_LESS 2.4)
  message(FATAL_ERROR "merhan needs LibTorch >= 2.4, found ${Torch_VERSION}")
endif()
# Torch's exported flags carry -D_GLIBCXX_USE_CXX11_ABI; keep them, drop the rest
# so that our own warning flags stay in charge.
message(STATUS "merhan: LibTorch ${Torch_VERSION}")

# --- Debian packages ------------------------------------------------------
pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile)
pkg_check_modules(SOXR REQUIRED IMPORTED_TARGET soxr)
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(KISSFFT REQUIRED IMPORTED_TARGET kissfft-float)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)  # stable hashes for the feature cache
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(Threads REQUIRED)
if(MERHAN_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
