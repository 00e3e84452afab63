# Writes build/generated/merhan/build_info.cc at every build so that
# `merhan --version` and run directories carry the exact git revision.
set(MERHAN_BUILD_INFO_CC "${CMAKE_BINARY_DIR}/generated/merhan/build_info.cc")
add_custom_target(merhan_build_info_gen
  COMMAND ${CMAKE_COMMAND}
          -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
          -DOUTPUT=${MERHAN_BUILD_INFO_CC}
          -DVERSION=${PROJECT_VERSION}
          -DCOMPILER=${CMAKE_CXX_COMPILER_ID}\ ${CMAKE_CXX_COMPILER_VERSION}
          -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
          -P ${CMAKE_SOURCE_DIR}/cmake/WriteBuildInfo.cmake
  BYPRODUCTS ${MERHAN_BUILD_INFO_CC}
  COMMENT "merhan: recording git revision")
