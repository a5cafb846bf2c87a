# signet_embed_files(): embeds text files into a C++ source at build time.
#
#   signet_embed_files(
#     OUTPUT    <generated .cc>
#     FUNCTION  <qualified C++ function, e.g. signet::web::EmbeddedAssets>
#     BASE_DIR  <directory the embedded paths are relative to>
#     FILES     <files under BASE_DIR>...)
#
# The generated file defines
#   std::span<const signet::EmbeddedFile> <FUNCTION>();
# (common/embedded_file.h): every file's path relative to BASE_DIR, its bytes
# and the lowercase hex SHA-256 of those bytes, in the order given. Declare the
# function where it is used. Editing any file re-runs only the generation of
# OUTPUT and the compilation of that one source (an ordinary build step, no
# re-configure).
#
# Why pieces: C++ guarantees string literals of only 65,536 characters, and
# clang -Wpedantic (the fuzz build, -Werror in CI) rejects longer ones, so each
# file is written as raw-string pieces of at most 16,000 bytes joined once on
# first use. Splitting by bytes is safe only for ASCII, so every embedded file
# must be ASCII (write other characters as escapes: \uXXXX in JSON and JS,
# &mdash; in HTML, \2014 in CSS); the build stops with the file's name if not.
set(SIGNET_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_files.cmake)

function(signet_embed_files)
  cmake_parse_arguments(E "" "OUTPUT;FUNCTION;BASE_DIR" "FILES" ${ARGN})
  set(absolute "")
  foreach(f IN LISTS E_FILES)
    list(APPEND absolute ${E_BASE_DIR}/${f})
  endforeach()
  string(REPLACE ";" "|" files_arg "${E_FILES}")
  add_custom_command(
    OUTPUT ${E_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${E_OUTPUT} -DFUNCTION=${E_FUNCTION}
            -DBASE_DIR=${E_BASE_DIR} "-DFILES=${files_arg}" -P ${SIGNET_EMBED_SCRIPT}
    DEPENDS ${absolute} ${SIGNET_EMBED_SCRIPT}
    COMMENT "Embedding ${E_FUNCTION}"
    VERBATIM)
endfunction()
