// The C interface of merhan_spm_plugin.so, the shared object that holds
// libsentencepiece. It is opened with RTLD_LOCAL | RTLD_DEEPBIND so that the
// protobuf bundled in libsentencepiece never binds to LibTorch's (docs/design.md T1).
#pragma once

#include <cstddef>

extern "C" {

// Returns a handle or nullptr; on failure writes a message into err.
typedef void* (*merhan_spm_load_fn)(const char* model_path, char* err, size_t err_len);
// Encodes UTF-8 text of text_len bytes (NULs allowed) into ids. Returns the number of ids (which may exceed
// max_ids: call again with a larger buffer), or -1 with a message in err.
typedef int (*merhan_spm_encode_fn)(void* handle, const char* text, size_t text_len, int* ids, int max_ids, char* err,
                                    size_t err_len);
typedef int (*merhan_spm_vocab_size_fn)(void* handle);
// Piece for an id; the pointer lives as long as the handle.
typedef const char* (*merhan_spm_id_to_piece_fn)(void* handle, int id);
typedef int (*merhan_spm_piece_to_id_fn)(void* handle, const char* piece);
// Special ids: which = 0 unk, 1 bos, 2 eos, 3 pad (-1 if absent).
typedef int (*merhan_spm_special_id_fn)(void* handle, int which);
typedef void (*merhan_spm_free_fn)(void* handle);
}
