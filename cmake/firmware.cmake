# The STM32 firmware (firmware/CMakeLists.txt) as part of the host build:
# a separate CMake project, cross-compiled with cmake/arm-none-eabi.cmake,
# built by every `cmake --build` of the host tree (so `make test` has it),
# and the QEMU tests that run it (tests/qemu). Without arm-none-eabi-gcc
# both are skipped and the host build goes on.
find_program(IAP_ARM_GCC arm-none-eabi-gcc)
if(NOT IAP_ARM_GCC)
  message(STATUS "arm-none-eabi-gcc not found: firmware and QEMU tests skipped "
                 "(scripts/install-deps.sh installs it)")
  return()
endif()

# The bootloader's version: the host build's own definitions, one source.
get_directory_property(_iap_defs COMPILE_DEFINITIONS)
foreach(_part MAJOR MINOR PATCH)
  set(_iap_v_${_part} 0)
  foreach(_d ${_iap_defs})
    if(_d MATCHES "^IAP_LOADER_VERSION_${_part}=([0-9]+)$")
      set(_iap_v_${_part} ${CMAKE_MATCH_1})
    endif()
  endforeach()
endforeach()

include(ExternalProject)
set(IAP_FIRMWARE_DIR ${CMAKE_BINARY_DIR}/firmware)
ExternalProject_Add(firmware
  SOURCE_DIR ${CMAKE_SOURCE_DIR}/firmware
  BINARY_DIR ${IAP_FIRMWARE_DIR}
  CMAKE_ARGS
    -DCMAKE_TOOLCHAIN_FILE=${CMAKE_SOURCE_DIR}/cmake/arm-none-eabi.cmake
    -DIAP_LOADER_VERSION=${_iap_v_MAJOR}.${_iap_v_MINOR}.${_iap_v_PATCH}
  BUILD_ALWAYS ON
  INSTALL_COMMAND "")

add_subdirectory(${CMAKE_SOURCE_DIR}/tests/qemu)
