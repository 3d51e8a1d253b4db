# The CUDA backend's build switch.
#   TF_CUDA=AUTO (default): build native/src/cuda when a CUDA toolkit is found, else say why and build CPU-only.
#   TF_CUDA=ON: a toolkit is required (CI's engine:build-cuda). TF_CUDA=OFF: CPU-only, no search.
# The toolkit: TF_CUDA_ROOT (or the environment variable of that name; tools/cuda/install.sh prints one from
# PyPI's NVIDIA wheels), else CMAKE_CUDA_COMPILER / CUDACXX, else nvcc on the PATH or in /usr/local/cuda.
# Targets: sm_90a (Hopper's wgmma/TMA) and sm_80 with compute_80 PTX, which the driver compiles for any newer GPU.
set(TF_CUDA AUTO CACHE STRING "build the CUDA backend: AUTO, ON or OFF")
set_property(CACHE TF_CUDA PROPERTY STRINGS AUTO ON OFF)
set(TF_CUDA_ROOT "$ENV{TF_CUDA_ROOT}" CACHE PATH "CUDA toolkit root (tools/cuda/install.sh prints one)")
set(TF_CUDA_GENCODE "-gencode=arch=compute_90a,code=sm_90a;-gencode=arch=compute_80,code=[sm_80,compute_80]"
    CACHE STRING "nvcc -gencode flags for the CUDA backend")
set(TF_WITH_CUDA OFF)

# The engine library with the CUDA backend: the .cu sources' flags, the runtime (static: nothing to find at run
# time) and cuBLASLt (shared: libcublasLt.so.13 must be on the library path where the engine runs).
function(tf_cuda_configure target)
  target_compile_definitions(${target} PUBLIC TF_WITH_CUDA)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:${TF_CUDA_GENCODE} -lineinfo
                                           --expt-relaxed-constexpr -Xcompiler=-Wall>)
  target_link_libraries(${target} PUBLIC CUDA::cudart_static CUDA::cublasLt)
endfunction()

function(tf_cuda_skip why)
  if(TF_CUDA STREQUAL "ON")
    message(FATAL_ERROR "TF_CUDA=ON but ${why}")
  endif()
  message(STATUS "tuneforge: CUDA sources skipped: ${why}; building the CPU backend only")
endfunction()

if(TF_CUDA STREQUAL "OFF")
  message(STATUS "tuneforge: CUDA sources skipped: TF_CUDA=OFF")
elseif(CMAKE_JS_VERSION AND NOT TF_CUDA STREQUAL "ON")
  # The Node addon links the static engine into a .node file; a CUDA addon is built on purpose (TF_CUDA=ON).
  message(STATUS "tuneforge: CUDA sources skipped: the Node addon is CPU-only unless TF_CUDA=ON")
else()
  if(TF_CUDA_ROOT)
    if(NOT EXISTS "${TF_CUDA_ROOT}/bin/nvcc")
      tf_cuda_skip("TF_CUDA_ROOT=${TF_CUDA_ROOT} has no bin/nvcc")
      return()
    endif()
    set(CMAKE_CUDA_COMPILER "${TF_CUDA_ROOT}/bin/nvcc")
    set(CUDAToolkit_ROOT "${TF_CUDA_ROOT}")
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    tf_cuda_skip("no CUDA compiler found (no TF_CUDA_ROOT, no nvcc on the PATH: tools/cuda/install.sh installs one, then -DTF_CUDA_ROOT=<its output>)")
    return()
  endif()
  # No architecture flags from CMake: TF_CUDA_GENCODE names them (CMake 3.25 knows no sm_90a).
  set(CMAKE_CUDA_ARCHITECTURES OFF)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  enable_language(CUDA)
  find_package(CUDAToolkit)
  if(NOT CUDAToolkit_FOUND OR NOT TARGET CUDA::cublasLt OR NOT TARGET CUDA::cudart_static)
    tf_cuda_skip("the CUDA toolkit at ${CUDAToolkit_BIN_DIR} lacks the runtime or cuBLASLt")
    return()
  endif()
  set(TF_WITH_CUDA ON)
  message(STATUS "tuneforge: CUDA backend built with nvcc ${CMAKE_CUDA_COMPILER_VERSION} (${CMAKE_CUDA_COMPILER}) "
                 "for ${TF_CUDA_GENCODE}")
endif()
