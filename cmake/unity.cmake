# Unity builds with repository-relative includes.
#
# kiln_unity_all() rewrites every C++ target of the tree to compile its .cc
# files in batches of KILN_UNITY_BATCH: each batch is one generated file in
# the build tree that #includes the sources by their path from the
# repository root ("api_types/build_json.cc"), so the heavy third-party
# headers (nlohmann/json, spdlog, cpprestsdk, gtest) are parsed and their
# templates instantiated once per batch instead of once per file. The
# generated files hold no absolute path, so ccache (with CCACHE_BASEDIR)
# reuses their objects from a clone in another folder; CMake's own
# UNITY_BUILD writes absolute paths and would not.
#
# A directory that sets its KILN_UNITY_SKIP property (and its subdirectories)
# compiles file by file.
#
# A source that cannot share a translation unit (it defines file-local names
# another file of its target also defines, or relies on being alone) is listed
# in KILN_UNITY_EXCLUDE, by repository-relative path. Sources generated in
# the build tree (cmake/test_paths.cmake) are compiled on their own too.

set(KILN_UNITY_EXCLUDE "" CACHE STRING "Sources compiled on their own")

function(kiln_unity_target target)
  get_target_property(type ${target} TYPE)
  if(NOT type MATCHES "^(STATIC_LIBRARY|EXECUTABLE|SHARED_LIBRARY)$")
    return()
  endif()
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  get_target_property(binary_dir ${target} BINARY_DIR)
  set(kept "")     # compiled as they are
  set(batched "")  # repository-relative paths of the batched sources
  foreach(src IN LISTS sources)
    cmake_path(ABSOLUTE_PATH src BASE_DIRECTORY ${source_dir} NORMALIZE
               OUTPUT_VARIABLE abs)
    cmake_path(RELATIVE_PATH abs BASE_DIRECTORY ${PROJECT_SOURCE_DIR}
               OUTPUT_VARIABLE rel)
    cmake_path(IS_PREFIX PROJECT_BINARY_DIR ${abs} NORMALIZE generated)
    if(src MATCHES "\\.cc$" AND NOT rel IN_LIST KILN_UNITY_EXCLUDE
       AND NOT rel MATCHES "^\\.\\." AND NOT generated)
      list(APPEND batched ${rel})
    else()
      list(APPEND kept ${abs})
    endif()
  endforeach()
  list(LENGTH batched total)
  if(total LESS 2)
    return()
  endif()
  set(unity_files "")
  set(index 0)
  set(content "")
  set(in_batch 0)
  foreach(rel IN LISTS batched)
    string(APPEND content "#include \"${rel}\"\n")
    math(EXPR in_batch "${in_batch} + 1")
    if(in_batch EQUAL KILN_UNITY_BATCH)
      _kiln_unity_write()
    endif()
  endforeach()
  if(in_batch GREATER 0)
    _kiln_unity_write()
  endif()
  set_property(TARGET ${target} PROPERTY SOURCES ${kept} ${unity_files})
endfunction()

# Writes one batch file (only when its content changed, so nothing is
# recompiled for a re-run of cmake). Uses and updates the caller's
# content, in_batch, index and unity_files.
macro(_kiln_unity_write)
  set(_out ${binary_dir}/unity/${target}_${index}.cc)
  file(CONFIGURE OUTPUT ${_out} CONTENT "${content}" @ONLY)
  list(APPEND unity_files ${_out})
  math(EXPR index "${index} + 1")
  set(content "")
  set(in_batch 0)
endmacro()

function(kiln_unity_dir dir)
  get_property(skip DIRECTORY ${dir} PROPERTY KILN_UNITY_SKIP)
  if(skip)
    return()
  endif()
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS targets)
    kiln_unity_target(${target})
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    kiln_unity_dir(${sub})
  endforeach()
endfunction()

function(kiln_unity_all)
  kiln_unity_dir(${PROJECT_SOURCE_DIR})
endfunction()
