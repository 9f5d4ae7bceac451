// libFuzzer's entry for programs with their own main (libclang_rt.fuzzer, FuzzerDriver.cpp).
#include <stddef.h>
#include <stdint.h>

typedef int (*axrpc_fuzz_callback)(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, axrpc_fuzz_callback callback);
