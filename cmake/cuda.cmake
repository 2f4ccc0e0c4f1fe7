# NN_CUDA=ON: compile src/nn/cuda/*.cu with nvcc into libnn. The CUDA runtime itself is loaded
# with dlopen by libvram's cuda device, so a CPU-only machine runs the same binaries.
file(GLOB NN_CUDA_SRC CONFIGURE_DEPENDS src/nn/cuda/*.cu)
if(NN_CUDA_SRC)
  if(NOT DEFINED CMAKE_CUDA_COMPILER)
    set(CMAKE_CUDA_COMPILER ${NVCC_EXECUTABLE})
  endif()
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 80 90)
  endif()
  enable_language(CUDA)
  target_sources(nn PRIVATE ${NN_CUDA_SRC})
  target_compile_definitions(nn PUBLIC NN_HAVE_CUDA=1)
endif()
